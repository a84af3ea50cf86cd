"""The media staging step (transforms/steps/stage_media.py): media are checked and uploaded by the
step before formatting, once a medium; Target.format reads and writes no store; with uploads off
(dry run, inspect) nothing is written and a remote medium is not read."""
from __future__ import annotations

import pytest

from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.core.records import RecordError
from tuneprep.transforms.steps.stage_media import MediaStep
from tuneprep.transforms.targets import get_target
from tuneprep.transforms.targets.media_staging import PLACEHOLDER_PREFIX
from tuneprep.transforms.targets.models import get_model

from tests.helpers import rec

pytest.importorskip("PIL")

PREFIX = "s3://tp-staged/images"
OWNER = "123456789012"
TARGETS = [("bedrock-image", "titan-image-generator"), ("bedrock-conversation", "nova-lite")]


class _Store:
    """S3 in memory, for every opener of fsspec (url_to_fs, filesystem), counting uploads;
    `frozen`, any use of it raises. Local paths go to the real filesystem (the images)."""

    def __init__(self, url_to_fs, filesystem):
        self.real, self.real_filesystem = url_to_fs, filesystem
        self.uploads, self.frozen, self.used = [], False, 0

    def url_to_fs(self, uri, **kwargs):
        if not str(uri).startswith("s3://"):
            return self.real(uri, **kwargs)
        self._use(uri)
        return self, uri

    def filesystem(self, protocol, **kwargs):
        if protocol in ("s3", "s3a"):
            self._use(protocol)
            return self
        return self.real_filesystem(protocol, **kwargs)

    def _use(self, what):
        self.used += 1
        if self.frozen:
            raise AssertionError(f"the store was used: {what}")

    def exists(self, path):
        return path in self.uploads

    def put_file(self, local, remote):
        self.uploads.append(remote)


@pytest.fixture
def store(monkeypatch):
    import fsspec
    fake = _Store(fsspec.core.url_to_fs, fsspec.filesystem)
    monkeypatch.setattr(fsspec.core, "url_to_fs", fake.url_to_fs)
    monkeypatch.setattr(fsspec, "filesystem", fake.filesystem)
    return fake


def picture(path, size=(512, 512)):
    from PIL import Image
    Image.new("RGB", size, (30, 60, 90)).save(path, format="JPEG")
    return str(path)


def record(name, image):
    if name == "bedrock-image":
        return rec([], image=image, caption="A blue square on a plain background.")
    return rec([("user", "What is it?"), ("assistant", "A square.")], image=image)


def ctx_for(model, prefix=PREFIX):
    return TargetContext(model=get_model(model), image_uri_prefix=prefix,
                         media_bucket_owner=OWNER)


@pytest.mark.parametrize("name, model", TARGETS)
def test_the_step_uploads_each_medium_once_and_format_touches_no_store(store, tmp_path, name,
                                                                      model):
    target, ctx = get_target(name), ctx_for(model)
    step = MediaStep(target.media, ctx, upload=True)
    first = picture(tmp_path / "a.jpg")
    (tmp_path / "copy.jpg").write_bytes((tmp_path / "a.jpg").read_bytes())
    staged = [step(record(name, first)), step(record(name, str(tmp_path / "copy.jpg"))),
              step(record(name, first))]
    assert len(store.uploads) == 1                       # the same content: one upload
    uri = store.uploads[0]
    assert uri.startswith(PREFIX + "/") and uri.endswith(".jpg")
    assert {r.image for r in staged} == {uri}
    store.frozen = True                                  # from here any use of the store raises
    for r in staged:
        (obj,) = target.format(r, ctx)
        assert uri in str(obj) and target.validate(obj, ctx) == []
    # a record not staged: format builds from it or refuses it, still without the store
    try:
        target.format(record(name, first), ctx)
    except RecordError as error:
        assert error.reason == "bad_image_ref"
    assert store.used == 3


@pytest.mark.parametrize("name, model", TARGETS)
def test_without_uploads_nothing_is_written_and_a_remote_medium_not_read(store, tmp_path,
                                                                         name, model):
    target = get_target(name)
    store.frozen = True
    path = picture(tmp_path / "a.jpg")
    step = MediaStep(target.media, ctx_for(model), upload=False)
    named = step(record(name, path)).image
    assert named.startswith(PREFIX + "/") and named.endswith(".jpg")
    placeholder = MediaStep(target.media, ctx_for(model, prefix=None), upload=False)
    assert placeholder(record(name, path)).image == named.replace(PREFIX, PLACEHOLDER_PREFIX)
    remote = "s3://tp-staged/in/cat.jpg"
    assert step(record(name, remote)).image == remote
    assert (step.checked, step.skipped) == (1, 1)
    with pytest.raises(RecordError) as error:            # checked as the run checks it
        step(record(name, picture(tmp_path / "small.jpg", size=(8, 8))))
    assert error.value.reason == "image_dimensions"
    assert store.used == 0
