#!/usr/bin/env bash
# EMR bootstrap action (every node): Docker for Beam's DOCKER environment, the tuneprep worker
# image from ECR, and tuneprep itself in a Python 3.11 virtual environment (the launcher on
# the primary node). Shared by deploy/flink (EMR) and deploy/spark-emr; the instance profile
# needs ECR read and the S3 access their READMEs list.
set -euo pipefail
IMAGE=${1:-123456789012.dkr.ecr.us-east-1.amazonaws.com/tuneprep-worker:0.1.0}
TUNEPREP_SDIST=${2:-s3://my-artifacts-bucket/tuneprep/tuneprep-0.1.0.tar.gz}
REGION=${AWS_REGION:-us-east-1}

sudo dnf install -y docker python3.11 python3.11-pip
sudo systemctl enable --now docker
# YARN containers (user yarn, Flink's and Spark's task managers) start the SDK containers
sudo usermod -aG docker yarn || true
aws ecr get-login-password --region "$REGION" | \
    sudo docker login --username AWS --password-stdin "${IMAGE%%/*}"
sudo docker pull "$IMAGE"

sudo python3.11 -m venv /opt/tuneprep
aws s3 cp "$TUNEPREP_SDIST" /tmp/tuneprep.tar.gz
sudo /opt/tuneprep/bin/pip install -q "apache-beam==2.77.0" /tmp/tuneprep.tar.gz
sudo ln -sf /opt/tuneprep/bin/tuneprep /usr/local/bin/tuneprep
