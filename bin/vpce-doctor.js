#!/usr/bin/env node
import '../dist/bin/vpce-doctor.js';
