"""Everything a run needs, as one picklable value handed to every worker. Pure Python.

Frozen: built once (pipelines/settings.py), then only copied with dataclasses.replace, so what
the launcher checked is what every worker runs with. Each option's default is written here
(or in ReadOptions / AdapterOptions, which it holds) and read by the argparse declarations
through config_default()."""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields

from tuneprep.transforms.core.options import AdapterOptions, ReadOptions

# characters a token where a record's tokens are estimated: AWS's planning rule ("Token quota
# x 6", service-formats.md §1.0), unless the model's validator counts otherwise
# (ModelSpec.chars_per_token) or --chars-per-token says
CHARS_PER_TOKEN = 6.0
RANGE_BYTES = 32 * 1024 * 1024   # a range is about this long; a file under twice it is not cut

DEFAULT_CHUNK_CHARS = 20_000


# the sequence fields: tuples, so a frozen config holds no list that could still change
_TUPLES = ("inputs", "validation_inputs", "repair", "records_with", "records_without",
           "input_warnings", "skipped_inputs")


@dataclass(frozen=True)
class RunConfig:
    target: str
    output: str
    inputs: tuple[str, ...] = ()             # expanded file URIs, sorted
    validation_inputs: tuple[str, ...] = ()
    model: str | None = None
    input_format: str | None = None       # adapter name; None = detect per file
    read: ReadOptions = field(default_factory=ReadOptions)
    adapter: AdapterOptions = field(default_factory=AdapterOptions)
    template: dict | None = None
    placeholder_map: dict[str, str] = field(default_factory=dict)
    repair: tuple[str, ...] = ()
    validation_split: float = 0.0
    num_shards: int | None = None          # sharded layouts; None = one shard per ~256 MB
    chars_per_token: float = CHARS_PER_TOKEN
    token_margin: float = 0.1              # share of the token limit kept free (6 chars/token undercounts)
    max_tokens: int | None = None          # overrides the model's per-record limit
    # the tokenizer that counts the limit exactly (the model's ModelSpec.tokenizer, set by the
    # launcher when it is installed: pipelines/settings.py); None: estimated at chars_per_token.
    # Workers load it or fail the run: they never fall back to the estimate on their own
    tokenizer: str | None = None
    chunk_chars: int | None = None         # pre-training chunk size; None = from the model's limit
    sample_to_quota: bool = False
    dedup: str | None = None               # --dedup exact: duplicates are dead letters
    max_dead_letter_ratio: float | None = None   # fail the run when more records are refused
    batch_size: int = 4096
    split_bytes: int = RANGE_BYTES         # JSON Lines files over twice this are read in ranges
    raw_limit: int = 2048                  # bytes of raw text kept in a dead letter
    run_id: str = "run"
    s3_endpoint_url: str | None = None     # S3-compatible endpoint; never credentials (botocore
                                           # takes those from each machine's environment)
    s3_timeout: float | None = None        # s an S3 request waits (TUNEPREP_S3_TIMEOUT on the
                                           # launcher): remote workers wait as long
    image_uri_prefix: str | None = None    # s3:// folder that local images are uploaded under
    media_bucket_owner: str | None = None  # account id written as s3Location.bucketOwner
    records_with: tuple = ()               # optional fields every written record must hold
    records_without: tuple = ()            # ... and must not hold
    input_warnings: tuple[str, ...] = ()   # what the input listing skipped
    # each input a folder or glob skipped: {path, reason} (transforms/report/skipped_inputs.py)
    skipped_inputs: tuple[dict, ...] = ()
    claimed: bool = False                  # the launcher holds the output's _RUNNING marker
    success_by_launcher: bool = False      # the launcher, not the job, writes _SUCCESS once the
                                           # job succeeded (transforms/sink/staged_files.finish)
    # delete each part file as soon as assembling has copied it: only where no runner retries
    # the assembly (the local runner fails the run instead), and only on local disk, where the
    # parts' unwritten pages otherwise compete with the dataset's own for the disk
    drop_copied_parts: bool = False

    def __post_init__(self):   # lists given (tests, expand_splits' result) are kept as tuples
        for name in _TUPLES:
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))


def config_default(path: str):
    """The default of a RunConfig field, by name, or of a field of the options it holds
    ("read.encoding", "adapter.image_root"): the argparse declarations take theirs from it."""
    owner, name = RunConfig, path
    if "." in path:
        holder, name = path.split(".", 1)
        owner = _field(RunConfig, holder).default_factory
    spec = _field(owner, name)
    if spec.default is MISSING and spec.default_factory is MISSING:
        raise KeyError(f"{path} has no default (a run always gives it)")
    return spec.default_factory() if spec.default is MISSING else spec.default


def _field(owner, name: str):
    found = {f.name: f for f in fields(owner)}
    if name not in found:
        raise KeyError(f"{owner.__name__} has no field {name}")
    return found[name]
