{{/*
The chart keeps to a small subset of Go templates on purpose, so that
test/deploy/helm.test.ts can render it without helm: {{ .Values.… }}, {{ include "…" . }},
if / else if / else / end, define, toYaml, nindent, indent, quote, default, printf, trunc,
trimSuffix, replace, contains, join, int, not, and, or, sha256sum, add, div, lt, fail. No range,
with or
variables: the renderer refuses anything else, naming it.
*/}}

{{/* The chart's name, 63 characters at most (a DNS label). */}}
{{- define "vpce-doctor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name alone when it already holds the chart's name. */}}
{{- define "vpce-doctor.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (default .Chart.Name .Values.nameOverride) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "vpce-doctor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "vpce-doctor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vpce-doctor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "vpce-doctor.labels" -}}
helm.sh/chart: {{ include "vpce-doctor.chart" . }}
{{ include "vpce-doctor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "vpce-doctor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vpce-doctor.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "vpce-doctor.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Where the API tokens Secret is mounted, and the file the service reads. */}}
{{- define "vpce-doctor.tokensDir" -}}
/etc/vpce-doctor/auth
{{- end }}

{{/* Where the Redis password Secret is mounted. */}}
{{- define "vpce-doctor.redisSecretDir" -}}
/etc/vpce-doctor/redis
{{- end }}

{{/*
The environment of src/config.ts, every value a string. Numbers go through int: helm
reads values as float64 and would print 1000000 as 1e+06, which the service refuses.
An empty string leaves a variable unset (the service's default applies).
*/}}
{{- define "vpce-doctor.configData" -}}
PORT: "8080"
HOST: {{ .Values.config.host | quote }}
LOG_LEVEL: {{ .Values.config.logLevel | quote }}
VPCE_DOCTOR_SOURCE: {{ .Values.config.source | quote }}
{{- if .Values.config.snapshotDir }}
VPCE_DOCTOR_SNAPSHOT_DIR: {{ .Values.config.snapshotDir | quote }}
{{- end }}
VPCE_DOCTOR_CACHE_TTL_SECONDS: {{ .Values.config.cacheTtlSeconds | int | quote }}
VPCE_DOCTOR_CACHE_MAX_ENTRIES: {{ .Values.config.cacheMaxEntries | int | quote }}
VPCE_DOCTOR_RATE_LIMIT_MAX: {{ .Values.config.rateLimitMax | int | quote }}
VPCE_DOCTOR_RATE_LIMIT_WINDOW_SECONDS: {{ .Values.config.rateLimitWindowSeconds | int | quote }}
VPCE_DOCTOR_BATCH_MAX_ITEMS: {{ .Values.config.batchMaxItems | int | quote }}
VPCE_DOCTOR_BODY_LIMIT_BYTES: {{ .Values.config.bodyLimitBytes | int | quote }}
VPCE_DOCTOR_SHUTDOWN_TIMEOUT_MS: {{ .Values.config.shutdownTimeoutMs | int | quote }}
VPCE_DOCTOR_SHUTDOWN_DELAY_SECONDS: {{ .Values.config.shutdownDelaySeconds | int | quote }}
VPCE_DOCTOR_REQUEST_TIMEOUT_MS: {{ .Values.config.requestTimeoutMs | int | quote }}
VPCE_DOCTOR_HEADERS_TIMEOUT_MS: {{ .Values.config.headersTimeoutMs | int | quote }}
VPCE_DOCTOR_KEEP_ALIVE_TIMEOUT_MS: {{ .Values.config.keepAliveTimeoutMs | int | quote }}
VPCE_DOCTOR_PROBES: {{ .Values.config.probes | quote }}
{{- if .Values.config.probeSelfIp }}
VPCE_DOCTOR_PROBE_SELF_IP: {{ .Values.config.probeSelfIp | quote }}
{{- end }}
{{- if .Values.config.probePorts }}
VPCE_DOCTOR_PROBE_PORTS: {{ join "," .Values.config.probePorts | quote }}
{{- end }}
VPCE_DOCTOR_PROBE_CONCURRENCY: {{ .Values.config.probeConcurrency | int | quote }}
VPCE_DOCTOR_PROBE_ENDPOINT_CONCURRENCY: {{ .Values.config.probeEndpointConcurrency | int | quote }}
VPCE_DOCTOR_PROBE_ROUNDS_PER_MINUTE: {{ .Values.config.probeRoundsPerMinute | int | quote }}
VPCE_DOCTOR_PROBE_TIMEOUT_MS: {{ .Values.config.probeTimeoutMs | int | quote }}
VPCE_DOCTOR_PROBE_ATTEMPTS: {{ .Values.config.probeAttempts | int | quote }}
{{- if .Values.config.watchEndpoints }}
VPCE_DOCTOR_WATCH_ENDPOINTS: {{ join "," .Values.config.watchEndpoints | quote }}
{{- end }}
VPCE_DOCTOR_WATCH_INTERVAL_SECONDS: {{ .Values.config.watchIntervalSeconds | int | quote }}
{{- if .Values.auth.existingSecret }}
VPCE_DOCTOR_API_TOKENS_FILE: {{ printf "%s/tokens" (include "vpce-doctor.tokensDir" .) | quote }}
{{- end }}
{{- if .Values.config.awsRegion }}
VPCE_DOCTOR_AWS_REGION: {{ .Values.config.awsRegion | quote }}
{{- end }}
{{- if .Values.config.awsRoleArn }}
VPCE_DOCTOR_AWS_ROLE_ARN: {{ .Values.config.awsRoleArn | quote }}
{{- end }}
{{- if .Values.config.awsRegions }}
VPCE_DOCTOR_AWS_REGIONS: {{ join "," .Values.config.awsRegions | quote }}
{{- end }}
{{- if .Values.config.awsRoleArns }}
VPCE_DOCTOR_AWS_ROLE_ARNS: {{ join "," .Values.config.awsRoleArns | quote }}
{{- end }}
{{- if .Values.config.awsExternalId }}
VPCE_DOCTOR_AWS_EXTERNAL_ID: {{ .Values.config.awsExternalId | quote }}
{{- end }}
VPCE_DOCTOR_AWS_INCLUDE_BASE_ACCOUNT: {{ .Values.config.awsIncludeBaseAccount | quote }}
{{- if .Values.config.awsOrganizationRoleName }}
VPCE_DOCTOR_AWS_ORGANIZATION_ROLE_NAME: {{ .Values.config.awsOrganizationRoleName | quote }}
{{- end }}
VPCE_DOCTOR_AWS_UNIT_CONCURRENCY: {{ .Values.config.awsUnitConcurrency | int | quote }}
VPCE_DOCTOR_AWS_CALL_TIMEOUT_MS: {{ .Values.config.awsCallTimeoutMs | int | quote }}
VPCE_DOCTOR_AWS_COLLECTION_DEADLINE_MS: {{ .Values.config.awsCollectionDeadlineMs | int | quote }}
VPCE_DOCTOR_AWS_MAX_ATTEMPTS: {{ .Values.config.awsMaxAttempts | int | quote }}
{{- if .Values.redis.url }}
VPCE_DOCTOR_REDIS_URL: {{ .Values.redis.url | quote }}
{{- end }}
VPCE_DOCTOR_REDIS_PREFIX: {{ .Values.redis.prefix | quote }}
VPCE_DOCTOR_REDIS_COMMAND_TIMEOUT_MS: {{ .Values.config.redisCommandTimeoutMs | int | quote }}
{{- if .Values.redis.existingSecret }}
VPCE_DOCTOR_REDIS_PASSWORD_FILE: {{ printf "%s/password" (include "vpce-doctor.redisSecretDir" .) | quote }}
{{- end }}
{{- if .Values.config.trustedCidrs }}
VPCE_DOCTOR_TRUSTED_CIDRS: {{ join "," .Values.config.trustedCidrs | quote }}
{{- end }}
{{- end }}

{{/*
Settings the service would refuse, or that would cut requests short, fail the render: a
watch list or probe scrapes with probes off, and a grace period shorter than the preStop
sleep, the drain and the shutdown bound together.
*/}}
{{- define "vpce-doctor.checks" -}}
{{- if and .Values.config.watchEndpoints (eq .Values.config.probes "off") }}
{{- fail "config.watchEndpoints probes its endpoints: set config.probes to \"on\"" }}
{{- end }}
{{- if and .Values.probeScrape.enabled (eq .Values.config.probes "off") }}
{{- fail "probeScrape calls GET /probe: set config.probes to \"on\"" }}
{{- end }}
{{- if lt (.Values.terminationGracePeriodSeconds | int) (add .Values.preStopSleepSeconds .Values.config.shutdownDelaySeconds (div (add .Values.config.shutdownTimeoutMs 999) 1000)) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be at least preStopSleepSeconds + config.shutdownDelaySeconds + config.shutdownTimeoutMs in seconds (%d)" (.Values.terminationGracePeriodSeconds | int) (add .Values.preStopSleepSeconds .Values.config.shutdownDelaySeconds (div (add .Values.config.shutdownTimeoutMs 999) 1000))) }}
{{- end }}
{{- end }}

{{/* The job name of the probe scrapes (the Probe resource's). */}}
{{- define "vpce-doctor.probeJob" -}}
{{- printf "%s-probe" (include "vpce-doctor.fullname" .) }}
{{- end }}

{{/* The series of this release, for the alert expressions. */}}
{{- define "vpce-doctor.seriesSelector" -}}
{{- printf "namespace=\"%s\", job=\"%s\"" .Release.Namespace (include "vpce-doctor.fullname" .) }}
{{- end }}
