"""Bad input through the real `albumml` command: one line that says what to do, never a traceback.

Usage errors (bad arguments) exit 2 with click's usage message; runtime failures exit 1 with one `error:` line.
Every case fails before any heavy work (no training, no model loading, no crawl for a bad start URL).
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.support.cli import ALBUMML, albumml

RUN_ID = "0123456789abcdef0123456789abcdef"
KEY = "ab" * 32
BOX = re.compile(r"[│╭╮╰╯─]+")

# id, arguments ({tmp} is the test's folder), extra environment, exit status, words the message must hold
CASES = [
    ("get-to-missing-folder", ["store", "get", KEY, "-o", "{tmp}/missing/blob"], {}, 2, "does not exist"),
    ("get-to-a-folder", ["store", "get", KEY, "-o", "{tmp}/folder"], {}, 2, "is a folder; give a file path"),
    ("report-out-under-a-file", ["report", RUN_ID, "--out", "{tmp}/afile/reports"], {}, 2, "which is a file"),
    ("report-run-id-is-a-path", ["report", "../../x", "--out", "{tmp}/out/a/b"], {}, 2, "not an MLflow run id"),
    ("register-run-id-is-a-path", ["register", "../x"], {}, 2, "not an MLflow run id"),
    (
        "explain-out-under-a-file",
        ["explain", "--imagenet", "{tmp}/cover.png", "--out", "{tmp}/afile/figures"],
        {},
        2,
        "which is a file",
    ),
    ("hidden-not-numbers", ["train", "--snapshot", "s", "--hidden", "abc"], {}, 2, "comma-separated list of widths"),
    ("hidden-zero", ["train", "--snapshot", "s", "--hidden", "0"], {}, 2, "greater than or equal to 1"),
    ("hidden-negative", ["train", "--snapshot", "s", "--hidden=-5"], {}, 2, "greater than or equal to 1"),
    ("epochs-too-many", ["train", "--snapshot", "s", "--epochs", "100000"], {}, 2, "less than or equal to 10000"),
    ("device-unknown", ["train", "--snapshot", "s", "--device", "tpu"], {}, 2, "'auto', 'cpu' or 'cuda'"),
    (
        "target-weighting-unknown",
        ["train", "--snapshot", "s", "--target-weighting", "bogus"],
        {},
        2,
        "'bogus' is not one of 'first_k', 'page_order'",
    ),
    (
        "feature-runtime-unknown",
        ["models", "list"],
        {"ALBUMML_FEATURE_RUNTIME": "onnx"},
        1,
        "ALBUMML_FEATURE_RUNTIME: Input should be 'openvino' or 'torch'",
    ),
    ("nightly-backbone-unknown", ["flows", "nightly", "--backbone", "bogus"], {}, 2, "choose one of vgg16"),
    (
        "nightly-model-unknown",
        ["flows", "nightly", "--model", "5"],
        {},
        2,
        "Invalid value for '--model': Input should be less than or equal to 4",
    ),
    (
        "device-cuda-absent",
        ["train", "--snapshot", "s", "--device", "cuda"],
        {"CUDA_VISIBLE_DEVICES": ""},
        2,
        "use --device auto or cpu",
    ),
    (
        "shares-leave-no-training",
        ["snapshot", "create", "--validation-share", "0.9", "--test-share", "0.9"],
        {},
        2,
        "must be under 1",
    ),
    ("home-is-a-file-models-list", ["models", "list"], {"ALBUMML_HOME": "{tmp}/afile"}, 1, "point it at a folder"),
    ("home-is-a-file-predict", ["predict", "{tmp}/cover.png"], {"ALBUMML_HOME": "{tmp}/afile"}, 1, "is a file"),
    ("home-is-a-file-report", ["report", RUN_ID], {"ALBUMML_HOME": "{tmp}/afile"}, 1, "is a file"),
    ("home-is-a-file-register", ["register", RUN_ID], {"ALBUMML_HOME": "{tmp}/afile"}, 1, "is a file"),
    (
        "sample-site-out-under-a-file",
        ["sample-site", "generate", "--albums", "1", "--out", "{tmp}/afile/site"],
        {},
        2,
        "which is a file",
    ),
    ("crawl-url-not-a-url", ["crawl", "run", "--url", "not a url"], {}, 2, "is not an http:// or https:// URL"),
    ("crawl-url-unparsable", ["crawl", "run", "--url", "http://[::1"], {}, 2, "give the review site's http(s) URL"),
    ("crawl-url-not-http", ["crawl", "run", "--url", "ftp://example.org/"], {}, 2, "not an http:// or https://"),
    ("crawl-without-a-url", ["crawl", "run"], {}, 2, "set ALBUMML_CRAWL_START_URL"),
    ("crawl-start-url-setting", ["crawl", "run"], {"ALBUMML_CRAWL_START_URL": "x"}, 1, "ALBUMML_CRAWL_START_URL"),
    ("model-name-with-a-quote", ["models", "list"], {"ALBUMML_MODEL_NAME": "it's"}, 1, "cannot name a registered"),
]


def message(stderr: str) -> str:
    """stderr with rich's error box taken away and white space collapsed, as one line of text."""
    return " ".join(BOX.sub(" ", stderr).split())


def assert_one_clean_error(done: subprocess.CompletedProcess[str], status: int, words: str) -> None:
    """The exit status, no traceback, and a last line (or click's usage error) that says what to do."""
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    if status == 2:
        assert lines[0].startswith("Usage: "), done.stderr
        assert "Invalid value" in done.stderr
    else:
        assert lines[-1].startswith("error: "), done.stderr
    assert words in message(done.stderr)


def tree(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A folder, a plain file where folders are expected, and a real cover."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "afile").write_text("not a folder")
    Image.new("RGB", (64, 64), "teal").save(tmp_path / "cover.png")
    return tmp_path


@pytest.mark.parametrize(
    ("arguments", "environment", "status", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_one_clean_line(
    place: Path, arguments: list[str], environment: dict[str, str], status: int, words: str
) -> None:
    env = {"ALBUMML_HOME": str(place / "home"), **{k: v.format(tmp=place) for k, v in environment.items()}}
    before = tree(place)
    done = albumml(*(a.format(tmp=place) for a in arguments), env=env, check=False)
    assert_one_clean_error(done, status, words)
    assert tree(place) == before  # nothing made: no report folder, no home, no stray path outside --out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_site_fails_the_crawl_in_one_line(tmp_path: Path) -> None:
    env = {"ALBUMML_HOME": str(tmp_path / "home"), "ALBUMML_CRAWL_RETRY_TIMES": "0", "ALBUMML_CRAWL_TIMEOUT_S": "5"}
    albumml("db", "upgrade", env=env)
    done = albumml("crawl", "run", "--no-progress", "--url", f"http://127.0.0.1:{free_port()}/", env=env, check=False)
    assert_one_clean_error(done, 1, "the site could not be read")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`albumml sample-site serve` on a tiny generated site; yields its port."""
    site = tmp_path_factory.mktemp("site")
    albumml("sample-site", "generate", "--albums", "2", "--no-covers", "--workers", "1", "--out", str(site))
    port = free_port()
    with subprocess.Popen(
        [ALBUMML, "sample-site", "serve", "--dir", str(site), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        assert server.stdout is not None
        assert "serving" in server.stdout.readline()
        yield port
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("target", "statuses"),
    [
        (b"/album/x%00y", (400,)),
        (b"/album/x\x00y", (400,)),
        (b"/" + b"a" * 300, (404,)),
        (b"/album/" + b"x" * 300 + b"/moodsThemesAjax", (404,)),
        (b"no-leading-slash", (400,)),
    ],
    ids=["percent-nul", "raw-nul", "long-path", "long-album-path", "relative"],
)
def test_the_sample_site_answers_a_request_it_cannot_map(served: int, target: bytes, statuses: tuple[int]) -> None:
    with socket.create_connection(("127.0.0.1", served), timeout=10) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    assert status in statuses
