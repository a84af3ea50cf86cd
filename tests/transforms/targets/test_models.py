import pytest

from tuneprep.transforms.targets.models import MODELS, get_model, models_for_kind
from tuneprep.transforms.targets import TARGETS, target_kinds


def test_every_model_kind_has_a_target():
    # the kinds are the registered targets' (no list of its own in models.py); every kind but
    # the OpenAI targets' and sagemaker-ai-dpo's has a model (the catalogue holds Bedrock and
    # JumpStart models: an OpenAI target's limit is --max-tokens; SageMaker AI serverless
    # customization's models and limits are not in the sources read)
    kinds = set(target_kinds())
    assert kinds == {target.kind for target in TARGETS.values()}
    assert {kind for spec in MODELS.values() for kind in spec.kinds} == \
        kinds - {"openai-chat", "openai-dpo", "openai-rft", "sagemaker-ai-dpo"}
    for spec in MODELS.values():
        assert spec.kinds and set(spec.kinds) <= kinds, spec.name
        assert spec.service in ("bedrock", "sagemaker")
        assert spec.sources, spec.name


def test_get_model_unknown_lists_names():
    with pytest.raises(KeyError) as error:
        get_model("gpt-5")
    assert "titan-text-express" in str(error.value) and "mistral-7b" in str(error.value)


def test_design_table():
    assert get_model("titan-text-express").kinds == ("text-to-text", "pretrain")
    assert get_model("titan-text-premier").kinds == ("text-to-text",)
    assert get_model("titan-image-generator").kinds == ("image",)   # no table says text-to-text
    assert get_model("claude-3-haiku").kinds == ("single-turn", "multi-turn")
    assert {m.name for m in models_for_kind("pretrain")} == {"titan-text-express",
                                                              "titan-text-lite"}
    assert all(m.service == "sagemaker" for m in models_for_kind("instruction"))
    assert len(models_for_kind("instruction")) == 17


def test_limits():
    express = get_model("titan-text-express")
    assert (express.max_tokens, express.max_train_bytes, express.max_pretrain_train_bytes,
            express.max_validation_bytes) == (4096, 10**9, 10 * 10**9, 100 * 10**6)
    image = get_model("titan-image-generator")
    assert not image.takes_validation
    assert (image.min_records, image.max_train_records, image.caption_min_chars,
            image.caption_max_chars, image.image_max_pixels) == (5, 10_000, 3, 1024, 12_582_912)
    haiku = get_model("claude-3-haiku")
    assert (haiku.min_records, haiku.max_train_records, haiku.max_validation_records,
            haiku.max_total_records, haiku.max_tokens) == (32, 10_000, 1000, 10_000, 32_000)
    assert any("[3rd, verify]" in source for source in haiku.sources)
    assert get_model("cohere-command-light").min_records == 32
