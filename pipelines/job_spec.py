"""`tuneprep run --config job.yaml`: a whole run in one file, for scheduled batch jobs.

The keys are the long option names of `tuneprep run` (dashes or underscores), and `beam:` holds
Beam pipeline options:

    input: [s3://corpus/raw/2024-06/, s3://corpus/extra.jsonl]   # or one string
    target: bedrock-text
    model: titan-text-express
    output: s3://datasets/titan/2024-06
    validation_split: 0.1
    overwrite: true                       # flags are true/false
    field_map: {instruction: question}    # or "instruction=question"; placeholder_map alike
    repair: [drop_inner_system]           # or "a,b"; records_with, records_without alike
    beam:
      runner: DataflowRunner
      project: my-project
      region: europe-west1
      temp_location: gs://my-bucket/tmp
      setup_file: /app/setup.py
      experiments: [use_runner_v2]        # a list repeats the option
      environment_config: {command: /opt/apache/beam/boot}   # a mapping is passed as JSON

Options given on the command line win over the file's (`--input` on the command line replaces
every input of the file). An unknown key, a value of the wrong kind or an unknown Beam option is
a usage error (exit 2) naming the file and the key, with the nearest known keys.
`tuneprep run … --print-config` prints a run's options as such a file (print_config.py).
Relative paths are relative to the folder the command runs in, as on the command line, not to
the spec's own folder (a spec's values become command-line arguments: pipelines/user_paths.py
puts each path in its one form)."""
from __future__ import annotations

import argparse
import json

from tuneprep.pipelines.command_guard import read_settings_file
from tuneprep.pipelines.options import (LIST_OPTIONS, MAP_OPTIONS, UsageError, add_run_arguments,
                                         did_you_mean, suggestions)

CONFIG = "--config"
BEAM_KEY = "beam"
# options that exclude each other: giving one on the command line drops the other from the file
_EXCLUSIVE = ({"validation_input", "validation_split"},)


def _run_actions() -> dict[str, argparse.Action]:
    """key (underscored long name) → the argparse action of `tuneprep run`."""
    parser = argparse.ArgumentParser(add_help=False)
    add_run_arguments(parser)
    actions = {}
    for action in parser._actions:
        longs = [o for o in action.option_strings if o.startswith("--")]
        if longs:
            actions[longs[0][2:].replace("-", "_")] = action
    return actions


def _pop_config(argv: list[str]) -> tuple[str | None, list[str]]:
    path, rest, i = None, [], 0
    while i < len(argv):
        arg = argv[i]
        if arg == CONFIG or arg.startswith(CONFIG + "="):
            if path is not None:
                raise UsageError(f"{CONFIG} given twice")
            if arg == CONFIG:
                if i + 1 >= len(argv):
                    raise UsageError(f"{CONFIG} needs a FILE")
                path, i = argv[i + 1], i + 2
            else:
                path, i = arg.split("=", 1)[1], i + 1
            continue
        rest.append(arg)
        i += 1
    return path, rest


def _given_keys(argv: list[str], actions: dict) -> set[str]:
    """Underscored names of the options present on the command line (tuneprep's and Beam's)."""
    keys = set()
    for arg in argv:
        if arg.startswith("--"):
            keys.add(arg[2:].split("=", 1)[0].replace("-", "_"))
    for group in _EXCLUSIVE:
        if keys & group:
            keys |= group
    return keys


def _scalar(where: str, value, kind: str) -> str:
    if isinstance(value, bool) or isinstance(value, (dict, list)) or value is None:
        raise UsageError(f"{where}: expected {kind}, got {_kind(value)}")
    return str(value)


def _kind(value) -> str:
    return {bool: "true/false", dict: "a mapping", list: "a list", type(None): "nothing"}.get(
        type(value), type(value).__name__)


def _option_tokens(source: str, key: str, value, action: argparse.Action) -> list[str]:
    flag = action.option_strings[0] if action.option_strings[0].startswith("--") else \
        [o for o in action.option_strings if o.startswith("--")][0]
    where = f"{source}: {key}"
    if isinstance(action, argparse._StoreTrueAction):
        if not isinstance(value, bool):
            raise UsageError(f"{where}: expected true or false, got {value!r}")
        return [flag] if value else []
    if isinstance(action, argparse._AppendAction):
        values = value if isinstance(value, list) else [value]
        if not values:
            raise UsageError(f"{where}: an empty list")
        tokens = []
        for v in values:
            tokens += [flag, _scalar(where, v, "a string or a list of strings")]
        return tokens
    kind = "a number" if action.type in (int, float) else "a string"
    if action.choices:
        kind = "one of " + ", ".join(sorted(action.choices))
    if action.dest in MAP_OPTIONS:   # {instruction: question} or "instruction=question"
        kind = "a string or a mapping"
        if isinstance(value, dict):
            value = ",".join(f"{_scalar(where, k, kind)}={_scalar(f'{where}.{k}', v, 'a string')}"
                             for k, v in value.items())
    if action.dest in LIST_OPTIONS:   # [a, b] or "a,b"
        kind = "a string or a list"
        if isinstance(value, list):
            value = ",".join(_scalar(where, v, "a list of strings") for v in value)
    return [flag, _scalar(where, value, kind)]


def _beam_tokens(source: str, beam) -> list[str]:
    if not isinstance(beam, dict):
        raise UsageError(f"{source}: {BEAM_KEY}: expected a mapping of Beam pipeline options, "
                         f"got {_kind(beam)}")
    tokens = []
    for key, value in beam.items():
        if not isinstance(key, str) or not key or key.startswith("-"):
            raise UsageError(f"{source}: {BEAM_KEY}.{key}: write the option name without dashes")
        flag = "--" + key
        for v in (value if isinstance(value, list) else [value]):
            if isinstance(v, bool):
                tokens += [flag] if v else []
            elif isinstance(v, dict):
                tokens.append(f"{flag}={json.dumps(v, sort_keys=True)}")
            elif v is None or isinstance(v, list):
                raise UsageError(f"{source}: {BEAM_KEY}.{key}: expected a value, got {_kind(v)}")
            else:
                tokens.append(f"{flag}={v}")
    _check_beam_keys(source, beam, tokens)
    return tokens


def _check_beam_keys(source: str, beam: dict, tokens: list[str]) -> None:
    from tuneprep.pipelines.runner_checks import load_runner
    load_runner(tokens)   # DaskRunner's own options are known once its module is imported
    from tuneprep.transforms.beam.options import known_options
    known = set(known_options())
    unknown = [k for k in beam if k not in known]
    if unknown:
        near = suggestions(unknown[0], known)   # (matched without the common "beam.")
        raise UsageError(did_you_mean(f"{source}: key", f"{BEAM_KEY}.{unknown[0]}",
                                      [f"{BEAM_KEY}.{k}" for k in near],
                                      "(not a Beam pipeline option)"))


def load(path: str) -> dict:
    """The spec at `path` (a regular file of at most MAX_SETTINGS_FILE_BYTES) as a mapping;
    UsageError for anything else, with the line where the YAML goes wrong."""
    import yaml
    data = read_settings_file(CONFIG, path)
    try:
        spec = yaml.load(data.decode("utf-8"), Loader=_spec_loader())
    except UnicodeDecodeError:
        raise UsageError(f"{CONFIG} {path}: not UTF-8 text") from None
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        at = f" (line {where.line + 1})" if where is not None else ""
        raise UsageError(f"{CONFIG} {path}: not valid YAML{at}: "
                         f"{getattr(e, 'problem', None) or e}") from None
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise UsageError(f"{CONFIG} {path}: expected a mapping of option names, got {_kind(spec)}")
    return spec


def _spec_loader():
    """YAML's safe loader without aliases: `*name` repeats a value without its bytes, so a few
    lines of nested aliases ("billion laughs") expand past any memory; a spec needs none."""
    import yaml

    class SpecLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, f"an alias (*{event.anchor}): aliases are not taken in a job "
                    "spec; write the value out", event.start_mark)
            return super().compose_node(parent, index)
    return SpecLoader


def spec_tokens(path: str, spec: dict, skip: set[str] = frozenset()) -> list[str]:
    """The spec as `tuneprep run` arguments, without the options named in `skip`."""
    actions = _run_actions()
    tokens: list[str] = []
    for key, value in spec.items():
        name = str(key).replace("-", "_")
        if name == BEAM_KEY:
            continue
        if name not in actions:
            raise UsageError(did_you_mean(f"{path}: key", str(key), [*actions, BEAM_KEY],
                                          "see `tuneprep run --help` for the options"))
        if name in skip:
            continue
        tokens += _option_tokens(path, str(key), value, actions[name])
    if BEAM_KEY in spec:
        beam = spec[BEAM_KEY]
        if isinstance(beam, dict):
            beam = {k: v for k, v in beam.items() if str(k) not in skip}
        tokens += _beam_tokens(path, beam)
    return tokens


def expand_config(argv: list[str]) -> list[str]:
    """`run … --config FILE …` → `run <the file's options> <the command line's options>`,
    where an option given on the command line drops the file's value for it. Other argv
    unchanged."""
    if not argv or argv[0] != "run" or not any(
            a == CONFIG or a.startswith(CONFIG + "=") for a in argv):
        return argv
    path, rest = _pop_config(argv[1:])
    spec = load(path)
    return ["run", *spec_tokens(path, spec, _given_keys(rest, _run_actions())), *rest]

