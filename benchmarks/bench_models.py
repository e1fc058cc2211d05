"""Models: feature extraction against a plain torchvision loop, head training on cached features against full
forward passes, and pyfunc predict latency against the raw model (EfficientNet-Lite0, the offline backbone)."""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image

from albumml.config import load_settings
from albumml.models.backbones import load_backbone
from albumml.models.bundle import MoodModel, save_bundle
from albumml.models.features import extract_features
from albumml.models.fitting import HeadData
from albumml.models.heads import MoodHead, Variant
from albumml.models.runtime import COMPILE_PAYS_OFF, openvino_runner, torch_runner
from albumml.storage import open_store
from albumml.training.engine import train_one_epoch
from benchmarks.harness import Figure, Report, rate
from sample_site import Faults, generate_site

MOODS = 140


def plain_loop(files: list[Path], backbone_name: str, batch_size: int) -> None:
    """The baseline: full-size PIL decode, the backbone's transform, batched forward passes, one thread."""
    backbone = load_backbone(backbone_name)
    extractor = backbone.extractor.eval()
    for start in range(0, len(files), batch_size):
        images = [Image.open(path).convert("RGB") for path in files[start : start + batch_size]]
        with torch.no_grad():
            extractor(torch.stack([backbone.transform(image) for image in images]))


def conversion_seconds(backbone_name: str, batch_size: int = 32) -> float:
    """What turning the backbone into an OpenVINO model costs once per extraction (conversion and compilation)."""
    extractor = load_backbone(backbone_name).extractor
    started = time.perf_counter()
    openvino_runner(extractor, torch.zeros(batch_size, 3, 224, 224))
    return time.perf_counter() - started


def backbone_alone(report: Report, backbone_name: str, batch_size: int = 32, rounds: int = 6) -> None:
    """The backbone without decoding: OpenVINO (compiled for this CPU, float32) against PyTorch channels-last."""
    extractor = load_backbone(backbone_name).extractor
    batch = torch.randn(batch_size, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    compiled, eager = openvino_runner(extractor, batch), torch_runner(extractor, "cpu")
    compiled(batch), eager(batch)  # first calls allocate
    ours = rate(batch_size * rounds, lambda: [compiled(batch) for _ in range(rounds)])
    theirs = rate(batch_size * rounds, lambda: [eager(batch) for _ in range(rounds)])
    report.add(
        Figure(
            "models",
            "backbone alone, OpenVINO float32 (Lite0)",
            "images/s",
            ours,
            "PyTorch channels-last, inference mode",
            theirs,
            None,
            f"batch {batch_size}",
        )
    )


def run(report: Report, *, covers: int = 3 * COMPILE_PAYS_OFF, pyfunc_requests: int = 20) -> None:
    """All model figures on `covers` sample-site covers (enough for OpenVINO to pay for converting, unless quick)."""
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate_site(root / "site", albums=covers, seed=5, faults=Faults())
        files = sorted((root / "site" / "www" / "images" / "cover").glob("*.jpg"))
        store = open_store(load_settings(home=root / "home"))
        keys = [store.put_blob(path.read_bytes()).key for path in files]
        backbone = load_backbone("efficientnet_lite0")
        baseline = rate(len(files), lambda: plain_loop(files, "efficientnet_lite0", 32), repeat=1)
        started = time.perf_counter()
        features = extract_features(store, backbone, keys)
        seconds = time.perf_counter() - started
        note = f"{len(keys)} covers by {features.runtime}; reduced-size JPEG decode in reader threads"
        report.add(
            Figure(
                "models",
                "feature extraction, cached to the store (Lite0)",
                "images/s",
                len(keys) / seconds,
                "plain torchvision loop",
                baseline,
                None,
                f"{note}; the runtime's conversion included",
            )
        )
        if features.runtime == "openvino":
            conversion = conversion_seconds("efficientnet_lite0")
            report.add(
                Figure(
                    "models",
                    "feature extraction at scale (the one-off conversion left out)",
                    "images/s",
                    len(keys) / (seconds - conversion),
                    "plain torchvision loop",
                    baseline,
                    2.0,
                    f"{note}; conversion measured apart: {conversion:.1f} s of {seconds:.1f} s",
                )
            )
        backbone_alone(report, "efficientnet_lite0")

        vectors = torch.from_numpy(features.vectors)
        truth = torch.from_numpy(np.random.default_rng(0).random((len(keys), MOODS)) < 0.05)
        data = HeadData(vectors, truth, torch.full((len(keys), 40), -1))
        head = MoodHead(Variant.CLASSIFIER, backbone.feature_dim, MOODS)
        optimizer = torch.optim.Adam(head.parameters())
        head_rate = rate(len(keys), lambda: train_one_epoch(head, optimizer, data, batch_size=64), repeat=3)
        full_rate = rate(len(files), lambda: plain_loop(files, "efficientnet_lite0", 32), repeat=1)
        report.add(
            Figure(
                "models",
                "head epoch on cached features",
                "albums/s",
                head_rate,
                "epoch of full forward passes",
                full_rate,
                50.0,
                "model 1 head, batch 64",
            )
        )

        model = MoodModel(backbone, head.eval(), [f"mood{i}" for i in range(MOODS)], [])
        save_bundle(model, root / "bundle.pt")
        import mlflow.pyfunc

        from albumml.models import pyfunc

        mlflow.pyfunc.save_model(root / "pyfunc", **pyfunc.model_arguments(root / "bundle.pt"))
        loaded = mlflow.pyfunc.load_model(str(root / "pyfunc"))
        request = [path.read_bytes() for path in files[:8]]

        def raw() -> None:
            for _ in range(pyfunc_requests):
                images = [Image.open(io.BytesIO(data)).convert("RGB") for data in request]
                model.rank(model.scores(images), 5)

        def through_pyfunc() -> None:
            for _ in range(pyfunc_requests):
                loaded.predict(pd.DataFrame({"bytes": request}), params={"top": 5})

        raw_rate = rate(pyfunc_requests, raw)
        pyfunc_rate = rate(pyfunc_requests, through_pyfunc)
        report.add(
            Figure(
                "models",
                "pyfunc predict, 8 covers a request",
                "requests/s",
                pyfunc_rate,
                "raw model (decode + forward + rank)",
                raw_rate,
                0.91,
                "target: under 10% overhead",
            )
        )
