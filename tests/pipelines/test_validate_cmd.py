"""validate_cmd's own decisions, below the command line (test_validate_for_people.py and
test_validate_media.py run the command itself)."""
from __future__ import annotations

import dataclasses
import json

from tests.helpers import write_jsonl
from tuneprep.pipelines.cli import make_parser
from tuneprep.pipelines.validate_cmd import _files_and_settings
from tuneprep.transforms.targets import TARGETS

TEMPLATE = {"prompt": "Q: {instruction}", "completion": " {response}"}


def test_the_template_beside_the_data_is_read_for_a_target_that_declares_it(tmp_path):
    """Whether a file's template.json is read is the target's declared capability
    (Target.takes_template), not a comparison with one target's name: a second target that
    takes a template is checked against the template beside its data too."""
    write_jsonl(tmp_path / "train" / "part-00000-of-00001.jsonl",
                [{"prompt": "Q: a", "completion": " b"}])
    (tmp_path / "train" / "template.json").write_text(json.dumps(TEMPLATE))
    args = make_parser().parse_args(
        ["validate", "--target", "sagemaker-instruction", str(tmp_path)])
    other = dataclasses.make_dataclass("OtherTemplateTarget", [
        ("name", str, "another-template-target"), ("takes_template", bool, True)])()
    files, cfg, uses_template = _files_and_settings(args, other)
    assert uses_template
    assert cfg.template == TEMPLATE
    assert [uri for uri, _, _ in files] == [str(tmp_path / "train" / "part-00000-of-00001.jsonl")]
    # without the capability, the folder's template.json is neither read nor the settings'
    plain = dataclasses.replace(other, takes_template=False)
    _, cfg, uses_template = _files_and_settings(args, plain)
    assert not uses_template and cfg.template is None
    assert TARGETS["sagemaker-instruction"].takes_template
