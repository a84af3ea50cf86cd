"""The catalogue follows Bedrock's current customization table (issue 14, item 9): the models it
adds are here with their rules, the ones it dropped are kept and marked legacy, and image models
take the image target only. Distillation students carry the distillation validator's maxima
(item 8). Sources: docs/sources/formats-2026.md and the URLs in each row's sources."""
from __future__ import annotations

import pytest

from tuneprep.pipelines.cli import main
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.sink.assembly_checks import file_size_problems, quota_problems
from tuneprep.transforms.targets import TARGETS
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.targets.models import (LEGACY_NOTE, MODELS, TABLE_DATE, get_model,
                                                models_for_kind)
from tests.helpers import read_json, reason, reasons, rec, write_jsonl

LEGACY = {"cohere-command", "cohere-command-light", "llama2-13b", "llama2-70b",
          "titan-text-lite", "titan-text-premier"}
IMAGE_MODELS = {"titan-image-generator", "titan-image-generator-v2", "nova-canvas",
                "titan-multimodal-embeddings"}


def test_the_models_the_table_dropped_are_kept_and_marked_legacy_with_its_date():
    assert {m.name for m in MODELS.values() if m.legacy} == LEGACY
    for name in LEGACY:
        spec = get_model(name)
        assert spec.legacy == LEGACY_NOTE and TABLE_DATE in spec.legacy, name
        assert "custom-model-supported" in spec.legacy and spec.sources[-1] in spec.legacy
    # a model the table still lists is not legacy, on Bedrock or SageMaker
    for name in ("titan-text-express", "claude-3-haiku", "nova-lite", "llama2-7b-chat"):
        assert get_model(name).legacy is None, name


def test_image_models_take_the_image_target_only():
    assert {m.name for m in models_for_kind("image")} == IMAGE_MODELS
    assert not IMAGE_MODELS & {m.name for m in models_for_kind("text-to-text")}
    for name in IMAGE_MODELS:
        assert get_model(name).kinds == ("image",), name


@pytest.mark.parametrize("name", ["titan-image-generator-v2", "nova-canvas"])
def test_the_new_image_generators_have_the_caption_and_image_rules(name):
    spec = get_model(name)
    assert (spec.min_records, spec.max_train_records, spec.caption_min_chars,
            spec.caption_max_chars) == (5, 10_000, 3, 1024)
    assert (spec.image_max_bytes, spec.image_min_px, spec.image_max_px, spec.image_max_pixels,
            spec.image_min_aspect, spec.image_max_aspect) == (
        50 * 10**6, 512, 4096, 12_582_912, 0.25, 4.0)
    assert any("custom-model-supported" in s for s in spec.sources)
    ctx = TargetContext(model=spec)
    image = "s3://my-bucket/pets/cat.png"
    assert reason("bedrock-image", rec(image=image, caption="ab"), ctx) == "too_short"
    assert reason("bedrock-image", rec(image=image, caption="a" * 1025), ctx) == "too_long"
    assert reasons("bedrock-image", {"image-ref": image, "caption": "an orange cat"}, ctx) == []


def test_nova_canvas_cites_its_own_data_page():
    assert any("fine-tune-prepare-data-creative-content" in s
               for s in get_model("nova-canvas").sources)


def test_an_image_model_is_refused_on_a_text_target(tmp_path, capsys):
    data = write_jsonl(tmp_path / "in.jsonl", [{"prompt": "p", "completion": "c"}])
    for name in IMAGE_MODELS:
        code = main(["run", "--input", str(data), "--target", "bedrock-text", "--model", name,
                     "--output", str(tmp_path / name)])
        _, err = capsys.readouterr()
        assert code == 2 and f"--model {name} does not take --target bedrock-text" in err


@pytest.mark.slow
def test_a_legacy_model_runs_with_a_one_line_warning(tmp_path, capsys):
    rows = [{"prompt": f"question {i}", "completion": f"answer {i}"} for i in range(40)]
    data = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out"
    code = main(["run", "--input", str(data), "--target", "bedrock-text",
                 "--model", "cohere-command", "--output", str(out)])
    _, err = capsys.readouterr()
    assert code == 0, err
    warning = f"warning: --model cohere-command is legacy: {LEGACY_NOTE}"
    assert err.splitlines() == [warning]
    assert read_json(out / "report.json")["warnings"] == [warning.removeprefix("warning: ")]
    # a current model: no warning
    code = main(["run", "--input", str(data), "--target", "bedrock-text",
                 "--model", "titan-text-express", "--output", str(tmp_path / "current")])
    _, err = capsys.readouterr()
    assert code == 0 and err == ""


# --- distillation maxima (item 8) ----------------------------------------------------------------

STUDENTS = [name for name, spec in MODELS.items() if "distillation" in spec.kinds]


def test_every_student_carries_the_distillation_validator_limits():
    assert len(STUDENTS) == 7
    for name in STUDENTS:
        spec = get_model(name)
        assert (spec.min_records, spec.max_train_bytes) == (100, 10**9), name
        assert any("dataset-validation" in s for s in spec.sources), name


def test_distillation_prompt_files_over_1_gb_fail_the_run():
    cfg = RunConfig(target="bedrock-distillation", output="unused", model="distill-nova-lite")
    target = TARGETS["bedrock-distillation"]
    files = [{"path": "train/train.jsonl", "records": 5000, "bytes": 10**9 + 1}]
    assert file_size_problems(cfg, target, files) == [
        "train data is 1,000,000,001 bytes; distill-nova-lite takes at most 1,000,000,000"]
    files[0]["bytes"] = 10**9
    assert file_size_problems(cfg, target, files) == []


def test_too_few_distillation_prompts_fail_the_run():
    cfg = RunConfig(target="bedrock-distillation", output="unused",
                    model="distill-claude-3-haiku")
    assert quota_problems(cfg, {"train": 99}, {}) == [
        "train has 99 records; distill-claude-3-haiku needs at least 100"]
    assert quota_problems(cfg, {"train": 100}, {}) == []


def test_the_readme_models_section_says_what_the_catalogue_does():
    from tests.helpers import REPO
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Models and their limits", 1)[1].split("\n## ", 1)[0]
    assert "the default follows the validator" in section and TABLE_DATE in section
    for display in ("Cohere Command", "Llama 2", "Titan Text G1 Express; Lite, Premier (legacy)",
                    "Titan Image Generator G1, G1 v2; Nova Canvas"):
        assert display in section, display
    assert "≥ 100 prompts; prompt files ≤ 1 GB" in section   # the students' limits (models.py)
    assert get_model("distill-nova-lite").max_train_bytes == 10**9
