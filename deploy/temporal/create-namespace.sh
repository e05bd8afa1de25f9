#!/bin/sh
# Registers zhucan's Temporal namespace and keeps its retention as configured.
# The temporalio/server image (unlike the deprecated auto-setup image) creates
# no namespace, and the zhucan worker cannot poll one that does not exist. Run
# once per `docker compose up` by the temporal-namespace service after the
# Temporal server reports healthy; safe to run again at any time.
set -eu

address=${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS must be set (host:port)}
namespace=${TEMPORAL_NAMESPACE:?TEMPORAL_NAMESPACE must be set}
retention=${TEMPORAL_NAMESPACE_RETENTION:-30d}
attempts=${TEMPORAL_WAIT_ATTEMPTS:-60}

# retry COMMAND...: runs COMMAND until it succeeds, at most $attempts times,
# two seconds apart.
retry() {
	n=1
	until "$@" >/dev/null 2>&1; do
		if [ "$n" -ge "$attempts" ]; then
			echo "temporal-namespace: gave up after $n attempts: $*" >&2
			return 1
		fi
		n=$((n + 1))
		sleep 2
	done
}

retry temporal operator cluster health --address "$address"

if ! temporal operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; then
	temporal operator namespace create --namespace "$namespace" --retention "$retention" \
		--description "zhucan: government purchase of disability-assistance services" \
		--address "$address"
fi

# The frontend serves a namespace only once its namespace cache has refreshed
# (some seconds after registration), so the update is retried until it goes
# through. It also applies a changed TEMPORAL_NAMESPACE_RETENTION to an
# existing namespace. When it succeeds the worker can poll the namespace.
retry temporal operator namespace update --namespace "$namespace" --retention "$retention" --address "$address"
echo "temporal-namespace: namespace $namespace ready; retention $retention"
