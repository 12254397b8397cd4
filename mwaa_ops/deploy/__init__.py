"""Running mwaa-ops where Airflow runs: IAM policy, deployment files, the doctor.

- :mod:`mwaa_ops.deploy.iam`: the per-feature permissions table (``permissions.yaml``)
  and the least-privilege policy built from it;
- :mod:`mwaa_ops.deploy.iam_eval`: a small IAM evaluator for recorded calls;
- :mod:`mwaa_ops.deploy.render`: compose, ECS and Kubernetes files from one config;
- :mod:`mwaa_ops.deploy.infra`: the CloudFormation template and Terraform module;
- :mod:`mwaa_ops.deploy.doctor`: what is wrong with a running set-up.
"""
