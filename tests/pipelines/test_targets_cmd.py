"""`tuneprep targets`: legacy models carry their mark, and image models are listed under the
image target only (issue 14, item 9)."""
from __future__ import annotations

from tuneprep.pipelines.cli import main
from tuneprep.transforms.targets.models import LEGACY_NOTE, MODELS


def targets_output(capsys) -> list[str]:
    assert main(["targets"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out.splitlines()


def models_of(lines: list[str], target: str) -> list[str]:
    """The models the TARGETS section lists under `target`."""
    at = next(i for i, line in enumerate(lines) if line.split()[:1] == [target])
    listed = lines[at + 1].split("models:", 1)[1]
    return [name.strip() for name in listed.split(",")]


def model_block(lines: list[str], name: str) -> list[str]:
    """A model's lines in the MODELS section: its own line and the indented ones after it."""
    start = lines.index("MODELS (limits per record in tokens; records train/validation/total; "
                        "bytes train/validation)")
    at = next(i for i in range(start, len(lines)) if lines[i].split()[:1] == [name])
    block = [lines[at]]
    for line in lines[at + 1:]:
        if line.split()[:1] and line.split()[0] in MODELS:
            break
        block.append(line)
    return block


def test_image_models_are_listed_under_the_image_target_only(capsys):
    lines = targets_output(capsys)
    images = {"titan-image-generator", "titan-image-generator-v2", "nova-canvas",
              "titan-multimodal-embeddings"}
    assert set(models_of(lines, "bedrock-image")) == images
    text = models_of(lines, "bedrock-text")
    assert not images & {name.removesuffix(" (legacy)") for name in text}
    assert "titan-text-express" in text and "llama3-1-8b-instruct" in text
    for name in images:
        assert model_block(lines, name)[0].split()[1:] == ["bedrock", "takes", "image"], name


def test_legacy_models_carry_their_mark_and_current_ones_none(capsys):
    lines = targets_output(capsys)
    text = models_of(lines, "bedrock-text")
    assert "cohere-command (legacy)" in text and "titan-text-premier (legacy)" in text
    assert "titan-text-lite (legacy)" in models_of(lines, "bedrock-pretrain")
    for name in ("cohere-command", "llama2-13b", "titan-text-lite"):
        assert f"legacy: {LEGACY_NOTE}" in [line.strip() for line in model_block(lines, name)]
    for name in ("titan-text-express", "nova-canvas", "claude-3-haiku"):
        assert not any("legacy" in line for line in model_block(lines, name)), name


def test_students_show_the_distillation_limits(capsys):
    block = model_block(targets_output(capsys), "distill-nova-lite")
    assert "records min 100" in block[1] and "bytes 1,000,000,000/-" in block[1]
