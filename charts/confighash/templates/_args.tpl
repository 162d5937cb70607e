{{/*
The controller's flags, in the kustomize base's order first (--all-namespaces,
--metrics-bind-address); each optional flag only when its value is set, so that the
defaults render the base exactly. `confighash --help` says what each one does.
*/}}
{{- define "confighash.args" -}}
{{- $fullname := include "confighash.fullname" . }}
{{- $args := list }}
{{- if .Values.watch.allNamespaces }}
{{- $args = append $args "--all-namespaces" }}
{{- else if .Values.watch.namespaces }}
{{- $args = append $args (printf "--namespace=%s" (join "," .Values.watch.namespaces)) }}
{{- else }}
{{- $args = append $args "--namespace=$(POD_NAMESPACE)" }}
{{- end }}
{{- $args = append $args (printf "--metrics-bind-address=0.0.0.0:%v" .Values.metrics.port) }}
{{- $a := .Values.args }}
{{- with $a.debounce }}{{ $args = append $args (printf "--debounce=%s" .) }}{{ end }}
{{- with $a.debounceMax }}{{ $args = append $args (printf "--debounce-max=%s" .) }}{{ end }}
{{- if not (kindIs "invalid" $a.concurrency) }}{{ $args = append $args (printf "--concurrency=%v" $a.concurrency) }}{{ end }}
{{- with $a.retryMax }}{{ $args = append $args (printf "--retry-max=%s" .) }}{{ end }}
{{- with $a.reconcileTimeout }}{{ $args = append $args (printf "--reconcile-timeout=%s" .) }}{{ end }}
{{- if $a.rollOnAdoption }}{{ $args = append $args "--roll-on-adoption" }}{{ end }}
{{- if $a.dryRun }}{{ $args = append $args "--dry-run" }}{{ end }}
{{- if not (kindIs "invalid" $a.maxConcurrentRollouts) }}{{ $args = append $args (printf "--max-concurrent-rollouts=%v" $a.maxConcurrentRollouts) }}{{ end }}
{{- with $a.hmacSecretNamespace }}{{ $args = append $args (printf "--hmac-secret-namespace=%s" .) }}{{ end }}
{{- with $a.logLevel }}{{ $args = append $args (printf "--log-level=%s" .) }}{{ end }}
{{- $le := .Values.leaderElection }}
{{- if $le.enabled }}{{ $args = append $args "--leader-elect" }}{{ end }}
{{- with $le.namespace }}{{ $args = append $args (printf "--leader-election-namespace=%s" .) }}{{ end }}
{{- with $le.leaseDuration }}{{ $args = append $args (printf "--leader-election-lease-duration=%s" .) }}{{ end }}
{{- with $le.renewDeadline }}{{ $args = append $args (printf "--leader-election-renew-deadline=%s" .) }}{{ end }}
{{- with $le.retryPeriod }}{{ $args = append $args (printf "--leader-election-retry-period=%s" .) }}{{ end }}
{{- if .Values.webhook.enabled }}
{{- $args = append $args (printf "--webhook-bind-address=0.0.0.0:%v" .Values.webhook.port) }}
{{- if ne $fullname "confighash" }}
{{- $args = append $args (printf "--webhook-secret=%s-webhook-tls" $fullname) }}
{{- $args = append $args (printf "--webhook-service=%s-webhook" $fullname) }}
{{- $args = append $args (printf "--webhook-configuration=%s" $fullname) }}
{{- end }}
{{- range .Values.webhook.certHosts }}{{ $args = append $args (printf "--webhook-cert-host=%s" .) }}{{ end }}
{{- if .Values.webhook.certManager.enabled }}{{ $args = append $args "--no-webhook-self-signed" }}{{ end }}
{{- end }}
{{- range .Values.extraArgs }}{{ $args = append $args . }}{{ end }}
{{- toYaml $args }}
{{- end }}
