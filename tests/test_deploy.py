"""deploy/ is checked as far as it can be offline: every YAML and JSON file parses, every job spec
(and the one inside the Kubernetes ConfigMap) passes tuneprep's own job-spec validation, the
Airflow DAG imports when Airflow is installed, Dockerfiles copy only files that exist, shell
scripts pass `bash -n`, systemd units and the crontab line are well-formed, Beam versions agree."""
from __future__ import annotations

import configparser
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tuneprep.pipelines import job_spec, job_spec_check
from tests.helpers import REPO, locked_versions

DEPLOY = REPO / "deploy"
BEAM = locked_versions()["apache-beam"]  # requirements.in names it, the lock carries it
ENGINES = ("dataflow", "flink", "spark-emr", "airflow", "kubernetes", "cron", "dask")


def files(*patterns: str) -> list[Path]:
    return sorted(p for pattern in patterns for p in DEPLOY.rglob(pattern))


def ids(paths):
    return [str(p.relative_to(DEPLOY)) for p in paths]


def test_one_folder_with_a_readme_per_engine_and_scheduler():
    for name in ENGINES:
        assert (DEPLOY / name / "README.md").is_file(), name
    assert (DEPLOY / "README.md").is_file() and (DEPLOY / "SCALING.md").is_file()


YAMLS = files("*.yaml", "*.yml")
JOB_SPECS = [p for p in YAMLS if p.name == "job.yaml" or p.name.startswith("job-")]


@pytest.mark.parametrize("path", YAMLS, ids=ids(YAMLS))
def test_yaml_parses(path):
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert documents, path
    for doc in documents:
        assert isinstance(doc, dict)
        if "apiVersion" in doc:   # a Kubernetes object
            assert doc.get("kind") and doc.get("metadata", {}).get("name"), path


@pytest.mark.parametrize("path", files("*.json"), ids=ids(files("*.json")))
def test_json_parses(path):
    json.loads(path.read_text())


def test_there_is_a_job_spec_per_engine():
    folders = {p.relative_to(DEPLOY).parts[0] for p in JOB_SPECS}
    assert {"dataflow", "flink", "spark-emr", "airflow", "cron"} <= folders


@pytest.mark.parametrize("path", JOB_SPECS, ids=ids(JOB_SPECS))
def test_job_spec_validates(path):
    argv = job_spec_check.validate(str(path))
    assert argv[0] == "run" and "--target" in argv and "--output" in argv


def test_the_kubernetes_configmap_holds_a_valid_job_spec(tmp_path):
    docs = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "cronjob.yaml").read_text()))
    config = next(d for d in docs if d["kind"] == "ConfigMap")
    cron = next(d for d in docs if d["kind"] == "CronJob")
    spec = tmp_path / "job.yaml"
    spec.write_text(config["data"]["job.yaml"])
    job_spec_check.validate(str(spec))
    container = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["tuneprep", "run", "--config", "/etc/tuneprep/job.yaml"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"


def test_flink_sidecar_matches_the_job_spec():
    deployment = yaml.safe_load((DEPLOY / "flink" / "k8s" / "flink-deployment.yaml").read_text())
    pod = deployment["spec"]["taskManager"]["podTemplate"]["spec"]
    sidecar = next(c for c in pod["containers"] if c["name"] == "beam-worker-pool")
    assert sidecar["args"] == ["--worker_pool"]
    port = sidecar["ports"][0]["containerPort"]
    beam = yaml.safe_load((DEPLOY / "flink" / "k8s" / "job.yaml").read_text())["beam"]
    assert beam["environment_type"] == "EXTERNAL"
    assert beam["environment_config"] == f"localhost:{port}"


def test_flex_template_parameters_are_run_options():
    metadata = json.loads((DEPLOY / "dataflow" / "metadata.json").read_text())
    known = set(job_spec._run_actions()) | {"config"}
    for param in metadata["parameters"]:
        assert re.fullmatch(r"[a-zA-Z][-_a-zA-Z0-9]*", param["name"])
        assert param["name"].replace("-", "_") in known, param["name"]
        for regex in param.get("regexes", []):
            re.compile(regex)


DOCKERFILES = files("Dockerfile", "*.Dockerfile")


@pytest.mark.parametrize("path", DOCKERFILES, ids=ids(DOCKERFILES))
def test_dockerfile_copies_files_that_exist(path):
    """Build context: the repository root. Every COPY source exists; images pin one Beam."""
    text = path.read_text()
    copies = 0
    for line in text.splitlines():
        words = line.split()
        if not words or words[0] != "COPY" or any(w.startswith("--from") for w in words):
            continue
        for source in words[1:-1]:
            assert (REPO / source).exists(), f"{path.name}: COPY {source}"
            copies += 1
    assert copies >= 3
    assert re.search(r"^FROM apache/beam_python3\.11_sdk:\$\{BEAM_VERSION\}$", text, re.M)
    assert f"ARG BEAM_VERSION={BEAM}" in text


def test_every_beam_image_and_version_agrees():
    """Launcher, job server and SDK images must carry one Beam version: the locked one."""
    version = BEAM
    found = 0
    for path in files("*.yaml", "*.json", "*.sh", "*Dockerfile", "*.md"):
        for tag in re.findall(r"apache/beam_[a-z0-9_.]+:([0-9.]+)", path.read_text()):
            assert tag == version, f"{path}: beam image {tag}"
            found += 1
        for pin in re.findall(r"apache-beam(?:\[[a-z]+\])?==([0-9.]+)", path.read_text()):
            assert pin == version, f"{path}: apache-beam=={pin}"
    assert found >= 3


SCRIPTS = files("*.sh")


@pytest.mark.parametrize("path", SCRIPTS, ids=ids(SCRIPTS))
def test_shell_scripts_parse(path):
    done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_python_files_compile():
    for path in files("*.py"):
        compile(path.read_text(), str(path), "exec")


def test_airflow_dag_imports():
    pytest.importorskip("airflow.providers.apache.beam",
                        reason="Airflow with apache-airflow-providers-apache-beam not installed")
    import importlib.util
    spec = importlib.util.spec_from_file_location("tuneprep_dag", DEPLOY / "airflow" / "tuneprep_dag.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.dag.dag_id == "tuneprep_nightly"
    assert [t.task_id for t in module.dag.tasks] == ["build_dataset"]


def test_airflow_dag_options_make_a_valid_run(tmp_path):
    """Without Airflow: the DAG's py_file is tuneprep's launcher and its options, rendered as the
    Beam provider renders them (--key=value), with the job spec make a valid run."""
    source = (DEPLOY / "airflow" / "tuneprep_dag.py").read_text()
    # the installed layout: pipelines/ is tuneprep.pipelines (setup.py)
    assert ('LAUNCH = f"{TUNEPREP_VENV}/lib/python3.11/site-packages/tuneprep/pipelines/launch.py"'
            in source)
    assert (REPO / "pipelines" / "launch.py").is_file()
    spec = yaml.safe_load((DEPLOY / "airflow" / "job.yaml").read_text())
    spec["output"] = "s3://my-dataset-bucket/datasets/titan-alpaca/20240101"
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(spec))
    argv = job_spec.expand_config(["run", f"--config={path}", "--runner=DirectRunner",
                                   "--output=s3://b/x/20240101"])
    assert argv.count("--output") == 0 and "--output=s3://b/x/20240101" in argv


def test_systemd_units_and_crontab():
    service = configparser.ConfigParser(interpolation=None)
    service.read(DEPLOY / "cron" / "tuneprep.service")
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["ExecStart"].split()[1:] == ["run", "--config", "/etc/tuneprep/job.yaml"]
    assert service["Service"]["ExecStart"].startswith("/")
    timer = configparser.ConfigParser(interpolation=None)
    timer.read(DEPLOY / "cron" / "tuneprep.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == "timers.target"
    lines = [l for l in (DEPLOY / "cron" / "crontab").read_text().splitlines()
             if l.strip() and not l.startswith("#")]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert all(re.fullmatch(r"[0-9*/,-]+", f) for f in fields[:5])
    assert "tuneprep run --config /etc/tuneprep/job.yaml" in fields[5]


def test_launch_py_is_tuneprep_run(capsys, tmp_path):
    from tuneprep.pipelines.launch import main
    assert main([f"--config={tmp_path / 'missing.yaml'}"]) == 2
    assert "missing.yaml: No such file or directory" in capsys.readouterr().err
