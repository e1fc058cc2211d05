"""The mood model as an MLflow pyfunc: covers in (bytes, or paths where allowed; optional genres and year), ranked
moods out.

Logged with an explicit signature, an input example and pinned pip requirements, so `models:/album-mood@champion`
loads in a fresh process and serves with `mlflow models serve`. Served, it reads no server-side file unless
`ALBUMML_SERVE_PATH_ROOT` names a folder, and then only files inside it. albumml's own consumers never load it
(they read the bundle alone, see `albumml.registry.loading`).
"""

from __future__ import annotations

import io
from importlib import metadata
from pathlib import Path
from typing import Any

import mlflow.pyfunc
import pandas as pd

from albumml.config import load_settings
from albumml.errors import ImageInputError
from albumml.models.bundle import MoodModel, load_bundle, open_image

BUNDLE_ARTIFACT = "bundle"
BUNDLE_FILE = "mood_model.pt"
# Where the bundle lies inside a logged pyfunc model (MLflow keeps a model's artifacts under `artifacts/`).
BUNDLE_PATH = f"artifacts/{BUNDLE_FILE}"
DEFAULT_TOP = 5
INPUT_COLUMNS = ("path", "bytes", "genres", "year")
OUTPUT_COLUMNS = ("image", "rank", "mood", "score")  # a model of genres, styles or themes names its labels so


def output_columns(target: str = "moods") -> list[str]:
    """The output frame's columns: the label column is named after what the model learned ("mood", "genre", ...)."""
    return ["image", "rank", target.removesuffix("s"), "score"]


REQUIREMENTS = (
    "torch",
    "torchvision",
    "timm",
    "pillow",
    "numpy",
    "pandas",
    "scikit-learn",
    "pydantic",
    "pydantic-settings",
    "sqlalchemy",
    "boto3",
)


def pip_requirements() -> list[str]:
    """The packages the pyfunc needs, pinned to the versions installed now."""
    pinned = []
    for package in REQUIREMENTS:
        try:
            pinned.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            pinned.append(package)
    return pinned


def signature(target: str = "moods") -> Any:
    """Input: one row per cover (`bytes`, or `path` inside ALBUMML_SERVE_PATH_ROOT; `genres` as 'a|b', `year`
    optional). Output: ranked labels of the model's target (moods unless it learned genres, styles or themes)."""
    from mlflow.models import ModelSignature
    from mlflow.types.schema import ColSpec, ParamSchema, ParamSpec, Schema

    inputs = Schema(
        [
            ColSpec("string", "path", required=False),
            ColSpec("binary", "bytes", required=False),
            ColSpec("string", "genres", required=False),
            ColSpec("long", "year", required=False),
        ]
    )
    image, rank, label, score = output_columns(target)
    outputs = Schema(
        [ColSpec("long", image), ColSpec("long", rank), ColSpec("string", label), ColSpec("double", score)]
    )
    return ModelSignature(inputs, outputs, ParamSchema([ParamSpec("top", "long", DEFAULT_TOP)]))


def input_example(cover: bytes) -> pd.DataFrame:
    """An example request: one cover given as bytes."""
    return pd.DataFrame({"bytes": [cover]})


def _cell(row: pd.Series, column: str) -> Any:
    value = row.get(column)
    if value is None or (not isinstance(value, bytes | str) and pd.isna(value)):
        return None
    return value


def allowed_path(path: str, root: Path | None, position: int) -> Path:
    """The file a row's `path` names, symlinks and `..` resolved, if it lies inside `root`; else ImageInputError."""
    if root is None:
        raise ImageInputError(
            f"row {position}: reading a cover from a server-side path is off; send the cover's bytes (base64) in the "
            "`bytes` column, or set ALBUMML_SERVE_PATH_ROOT to a folder the model may read"
        )
    try:
        base = root.resolve(strict=True)
        target = (base / path).resolve()
    except (OSError, ValueError, RuntimeError) as error:
        raise ImageInputError(f"row {position}: path {path!r} cannot be resolved ({error})") from None
    if not target.is_relative_to(base):
        raise ImageInputError(
            f"row {position}: path {path!r} is outside the folder the model may read (ALBUMML_SERVE_PATH_ROOT); "
            "send the cover's bytes instead"
        )
    return target


def predict_frame(
    model: MoodModel, frame: pd.DataFrame, top: int = DEFAULT_TOP, path_root: Path | None = None
) -> pd.DataFrame:
    """Ranked moods, `top` rows per input row, for a frame of covers; `path` rows read only inside `path_root`."""
    unknown = set(frame.columns) - set(INPUT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown input columns {sorted(unknown)}; expected some of {list(INPUT_COLUMNS)}")
    images, genre_lists, years = [], [], []
    for position, (_, row) in enumerate(frame.iterrows()):
        data, path = _cell(row, "bytes"), _cell(row, "path")
        if data is None and path is None:
            raise ValueError(f"row {position} has neither a path nor bytes")
        source = bytes(data) if data is not None else allowed_path(str(path), path_root, position)
        images.append(open_image(source, f"row {position}" if data is not None else None))
        genres = _cell(row, "genres")
        genre_lists.append([g for g in genres.split("|") if g] if genres else [])
        year = _cell(row, "year")
        years.append(int(year) if year is not None else None)
    ranked = model.rank(model.scores(images, genre_lists, years), top) if images else []
    rows = [
        (image, rank, mood, score)
        for image, moods in enumerate(ranked)
        for rank, (mood, score) in enumerate(moods, start=1)
    ]
    return pd.DataFrame(rows, columns=output_columns(model.target)).astype({"image": "int64", "rank": "int64"})


class MoodPyfunc(mlflow.pyfunc.PythonModel):
    """Loads the bundle once; predicts ranked moods for a frame of covers."""

    def load_context(self, context: Any) -> None:
        """Reads the bundle artifact and the folder (if any) that `path` rows may read."""
        self.model = load_bundle(Path(context.artifacts[BUNDLE_ARTIFACT]))
        self.path_root = load_settings().serve_path_root

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Ranked moods (`top` per cover, param `top`)."""
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        return predict_frame(self.model, frame, int((params or {}).get("top", DEFAULT_TOP)), self.path_root)


def model_arguments(bundle_path: Path, target: str = "moods") -> dict[str, Any]:
    """What both logging and saving the pyfunc pass to MLflow: the entry file, the bundle, schema and packages, and
    the target the model learned (in its metadata)."""
    return {
        "python_model": str(Path(__file__).with_name("pyfunc_entry.py")),
        "artifacts": {BUNDLE_ARTIFACT: str(bundle_path)},
        "signature": signature(target),
        "metadata": {"target": target},
        "pip_requirements": pip_requirements(),
        "code_paths": [str(Path(__file__).resolve().parents[1])],
    }


def log_pyfunc(bundle_path: Path, example_cover: bytes, *, name: str = "model", target: str = "moods") -> Any:
    """Logs the bundle as a pyfunc model in the active run; returns MLflow's ModelInfo."""
    return mlflow.pyfunc.log_model(
        name=name, input_example=input_example(example_cover), **model_arguments(bundle_path, target)
    )


def cover_bytes(image: Any) -> bytes:
    """PNG bytes of a PIL image (the input example)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
