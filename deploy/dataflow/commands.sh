#!/usr/bin/env bash
# Dataflow: build the image, register the flex template, run it; or a classic run.
# Run from the repository root. Needs gcloud (authenticated), docker, and an Artifact Registry
# repository. Replace the names below.
set -euo pipefail
PROJECT=${PROJECT:-my-gcp-project}
REGION=${REGION:-europe-west1}
BUCKET=${BUCKET:-my-gcp-bucket}
IMAGE=${IMAGE:-$REGION-docker.pkg.dev/$PROJECT/tuneprep/tuneprep:0.1.0}
TEMPLATE=gs://$BUCKET/tuneprep/templates/tuneprep.json

case "${1:-}" in
build)   # one image: flex-template launcher + SDK workers with tuneprep installed
    docker build -f deploy/dataflow/Dockerfile -t "$IMAGE" .
    docker push "$IMAGE"
    gcloud dataflow flex-template build "$TEMPLATE" \
        --image "$IMAGE" --sdk-language PYTHON \
        --metadata-file deploy/dataflow/metadata.json --project "$PROJECT"
    ;;
run)     # a flex-template job; the workers use the same image
    gcloud dataflow flex-template run "tuneprep-$(date +%Y%m%d-%H%M%S)" \
        --template-file-gcs-location "$TEMPLATE" --region "$REGION" --project "$PROJECT" \
        --parameters input=s3://my-corpus-bucket/raw/alpaca/ \
        --parameters target=bedrock-text \
        --parameters output=s3://my-dataset-bucket/datasets/titan-alpaca \
        --parameters validation-split=0.1 \
        --parameters sdk_container_image="$IMAGE" \
        --additional-experiments use_runner_v2 \
        --temp-location "gs://$BUCKET/tuneprep/tmp"
    ;;
classic) # from a checkout, staging setup.py's sdist to the workers
    tuneprep run --config deploy/dataflow/job-classic.yaml \
        --project "$PROJECT" --region "$REGION" --temp_location "gs://$BUCKET/tuneprep/tmp"
    ;;
*)
    echo "usage: $0 build|run|classic" >&2; exit 2 ;;
esac
