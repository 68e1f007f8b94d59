#!/usr/bin/env bash
# Renders every Kubernetes overlay with kustomize (kubectl's) and validates each object against the Kubernetes
# schemas; validates the AsyncAPI documents (the committed platform one and each service's) with @asyncapi/parser.
# Run through `make deploy-check`, which installs the tools from tools/requirements.txt and tools/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=tools/.venv/bin
KUBERNETES_VERSION=${KUBERNETES_VERSION:-1.37.0}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for overlay in deploy/k8s/overlays/*/; do
  name=$(basename "$overlay")
  "$TOOLS/kubectl" kustomize "$overlay" > "$out/$name.yaml"
  "$TOOLS/kubernetes-validate" --strict --quiet --kubernetes-version "$KUBERNETES_VERSION" "$out/$name.yaml"
  echo "deploy/k8s/overlays/$name: $(grep -c '^kind:' "$out/$name.yaml") objects valid against Kubernetes $KUBERNETES_VERSION"
done

documents=(docs/asyncapi.json)
for service in portfolio capacity change knowledge metrics; do
  .venv/bin/python -m tandem_shared.asyncapi --service "$service" --output "$out/asyncapi-$service.json"
  documents+=("$out/asyncapi-$service.json")
done
node tools/validate-asyncapi.mjs "${documents[@]}"
