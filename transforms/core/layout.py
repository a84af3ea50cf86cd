"""The output layout's names, each written here once: every file and folder a tuneprep dataset
folder may hold, the names of a split's data files, and the list `--dry-run` prints. Pure
Python, importing nothing of tuneprep, so every layer may use it. README ("Output layout")
describes the layout; dataset_folder.py proves a folder tuneprep's from these names;
tests/test_architecture.py fails on a second copy of a name anywhere else in the code.
"""
from __future__ import annotations

import re

# the split folders: the names of the record kinds of transforms/steps/process.py (a test pins
# them equal; this module may import nothing of tuneprep)
TRAIN, VALIDATION = "train", "validation"
SPLITS = (TRAIN, VALIDATION)
DEAD_LETTER_FOLDER = "dead_letter"
SAMPLED_OUT_FOLDER = "sampled_out"   # the source locations --sample-to-quota left out
TEMPORARY = "_temporary"             # a run's parts and staged files: _temporary/RUN/
STAGED = "commit"                    # _temporary/RUN/commit/: the dataset's files until the commit

MANIFEST = "manifest.json"
REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
TRAINING_REQUEST = "training-request.json"
SUCCESS = "_SUCCESS"
RUNNING = "_RUNNING"                 # the claim of the run writing there (claim.py)

DEAD_LETTER_FILE = f"{DEAD_LETTER_FOLDER}/{DEAD_LETTER_FOLDER}.jsonl"
SAMPLED_OUT_FILE = f"{SAMPLED_OUT_FOLDER}/{SAMPLED_OUT_FOLDER}.jsonl"

TOP_FILES = (MANIFEST, REPORT_JSON, REPORT_HTML, TRAINING_REQUEST, SUCCESS, RUNNING)
TOP_FOLDERS = (*SPLITS, DEAD_LETTER_FOLDER, SAMPLED_OUT_FOLDER, TEMPORARY)

_SHARD = "part-{index:05d}-of-{count:05d}.jsonl"
TEMPLATE = "template.json"   # a side file beside a split's data (sagemaker-instruction's)
# what a split folder may hold: train.jsonl (single-file layouts), part-00000-of-00002.jsonl
# (sharded), and the side files
SPLIT_FOLDER_FILE = re.compile(
    r"(?:" + "|".join(SPLITS) + r")\.jsonl|part-\d{5}-of-\d{5}\.jsonl|" + re.escape(TEMPLATE))
FOLDER_FILE = {DEAD_LETTER_FOLDER: re.compile(re.escape(DEAD_LETTER_FILE.split("/")[1])),
               SAMPLED_OUT_FOLDER: re.compile(re.escape(SAMPLED_OUT_FILE.split("/")[1]))}


def split_file(split: str) -> str:
    """The one file of a split in a single-file layout: train/train.jsonl."""
    return f"{split}/{split}.jsonl"


def shard_file(split: str, index: int, count: int) -> str:
    """Shard `index` of `count` of a sharded layout: train/part-00000-of-00002.jsonl."""
    return f"{split}/{_SHARD.format(index=index, count=count)}"


def written_examples() -> tuple[str, ...]:
    """A path of each kind of file a run may write (an input glob matching one would read the
    dataset back as input)."""
    return (*(split_file(split) for split in SPLITS),
            *(shard_file(split, 0, 1) for split in SPLITS), f"{TRAIN}/{TEMPLATE}", DEAD_LETTER_FILE, SAMPLED_OUT_FILE, *TOP_FILES)


def part_file(kind: str, key: str) -> str:
    """A batch's part file of one kind, under _temporary/RUN/: train/00003-00000-00001.jsonl."""
    return f"{kind}/{key}.jsonl"


PART_SOURCES = ".src"   # beside a part under --sample-to-quota: its lines' source line numbers


def planned_files(splits, single: bool, shards: int | None, side_files) -> list[str]:
    """What a run would write, as `--dry-run` lists it: each split's data files (shards: the
    --num-shards given, or None for one per ~256 MB) and side files, then the dataset's own."""
    files = []
    for split in splits:
        if single:
            files.append(split_file(split))
        elif shards:
            files.append(f"{shard_file(split, 0, shards)} … "
                         f"{shard_file(split, shards - 1, shards).split('/')[1]}")
        else:
            files.append(f"{split}/part-NNNNN-of-MMMMM.jsonl (one per ~256 MB)")
        files += [f"{split}/{name}" for name in side_files]
    return files + [DEAD_LETTER_FILE, MANIFEST, REPORT_JSON, REPORT_HTML, TRAINING_REQUEST,
                    SUCCESS]
