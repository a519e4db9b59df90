#!/bin/sh
# Run by `docker compose` (service minio-init, image minio/mc) once MinIO answers, at every `up`: creates Hoard's
# bucket, a policy that allows that bucket and nothing else (minio-hoard-policy.json), and Hoard's own MinIO user
# with that policy. MinIO's root credentials are used here only; Hoard never gets them. Safe to run again.
set -eu

mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing local/hoard
mc admin policy create local hoard-bucket /hoard/minio-hoard-policy.json
mc admin user add local "$HOARD_S3_ACCESS_KEY" "$HOARD_S3_SECRET_KEY"
# Attaching a policy the user already has is an error: attach it only when missing.
case "$(mc admin user info local "$HOARD_S3_ACCESS_KEY")" in
  *hoard-bucket*) ;;
  *) mc admin policy attach local hoard-bucket --user "$HOARD_S3_ACCESS_KEY" ;;
esac
echo "minio-init: bucket hoard and user $HOARD_S3_ACCESS_KEY (policy hoard-bucket) are ready"
