"""The plain-Python baseline: one process, one loop, orjson; the same per-record work as tuneprep
for bedrock-text, sagemaker-instruction and bedrock-multi-turn (parse, normalise, validate,
format, escape line separators, write the split file and a dead-letter file, count reasons).
No Beam and no tuneprep import. Writes OUT/summary.json with its counts."""
import argparse, os, sys
from collections import Counter
import orjson

SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"), (b"\xc2\x85", b"\\u0085"))
SAGEMAKER_TEMPLATE = {"prompt": "Below is an instruction that describes a task, paired with an input that provides "
                      "further context. Write a response that appropriately completes the request.\n\n"
                      "### Instruction:\n{instruction}\n\n### Input:\n{context}", "completion": "{response}"}

class Refused(Exception):
    def __init__(self, reason, stage, message):
        super().__init__(message); self.reason, self.stage, self.message = reason, stage, message

def text(value, name, stage="normalize"):
    if value is None: raise Refused("missing_field", stage, f'field "{name}" is missing')
    if not isinstance(value, str): raise Refused("wrong_type", stage, f'field "{name}" is not a string')
    if not value.strip(): raise Refused("empty_field", stage, f'field "{name}" is empty')
    return value

def alpaca(obj, target):
    if not isinstance(obj, dict): raise Refused("wrong_type", "normalize", "record is not an object")
    instruction, output = text(obj.get("instruction"), "instruction"), text(obj.get("output"), "output")
    context = obj.get("input") or ""
    if not isinstance(context, str): raise Refused("wrong_type", "normalize", 'field "input" is not a string')
    if target == "sagemaker-instruction":
        return {"instruction": instruction, "context": context, "response": output}
    return {"prompt": instruction + "\n\n" + context if context else instruction, "completion": output}

def messages(obj, target):
    if not isinstance(obj, dict) or not isinstance(obj.get("messages"), list) or not obj["messages"]:
        raise Refused("wrong_type", "normalize", 'field "messages" is not a non-empty list')
    system = obj.get("system")
    turns = [(m.get("role"), text(m.get("content"), f"messages[{i}].content")) if isinstance(m, dict)
             else (None, None) for i, m in enumerate(obj["messages"])]
    if turns[0][0] == "system":
        system = "\n\n".join(t for t in (system, turns.pop(0)[1]) if t and t.strip())
    for i, (role, _) in enumerate(turns):
        if role not in ("user", "assistant"): raise Refused("unknown_role", "normalize", f"turn {i}: role {role!r}")
        if i == 0 and role == "assistant": raise Refused("starts_with_assistant", "format", "starts with the assistant")
        if i and role == turns[i - 1][0]: raise Refused("consecutive_roles", "format", f"two {role} turns in a row")
    if not turns: raise Refused("not_a_conversation", "format", "no user/assistant turns")
    if turns[-1][0] != "assistant": raise Refused("ends_with_user", "format", "the last turn is a user turn")
    out = {"system": system} if system else {}
    out["messages"] = [{"role": r, "content": c} for r, c in turns]
    return out

def dumps_line(obj):
    data = orjson.dumps(obj)
    if b"\xe2\x80\xa8" in data or b"\xe2\x80\xa9" in data or b"\xc2\x85" in data:
        for raw, escaped in SEPARATORS: data = data.replace(raw, escaped)
    return data

def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--input", action="append", required=True); p.add_argument("--target", required=True)
    p.add_argument("--output", required=True)
    args = p.parse_args(argv)
    convert = messages if args.target == "bedrock-multi-turn" else alpaca
    sharded = args.target == "sagemaker-instruction"
    name = "train/part-00000-of-00001.jsonl" if sharded else "train/train.jsonl"
    for sub in ("train", "dead_letter"): os.makedirs(os.path.join(args.output, sub), exist_ok=True)
    if sharded:
        with open(os.path.join(args.output, "train/template.json"), "wb") as f: f.write(orjson.dumps(SAGEMAKER_TEMPLATE))
    reasons, written = Counter(), 0
    with open(os.path.join(args.output, name), "wb") as out, \
            open(os.path.join(args.output, "dead_letter/dead_letter.jsonl"), "wb") as dead:
        for uri in sorted(args.input):
            with open(uri, "rb") as f:
                for line_no, line in enumerate(f, 1):
                    if not line.strip(): continue
                    try:
                        try: obj = orjson.loads(line)
                        except orjson.JSONDecodeError as e:
                            try: line.decode("utf-8")
                            except UnicodeDecodeError as u: raise Refused("invalid_utf8", "read", f"invalid UTF-8: {u}")
                            raise Refused("invalid_json", "read", f"invalid JSON: {e}")
                        out.write(dumps_line(convert(obj, args.target)) + b"\n"); written += 1
                    except Refused as e:
                        reasons[e.reason] += 1
                        dead.write(dumps_line({"reason": e.reason, "stage": e.stage, "message": e.message,
                                               "source": {"uri": uri, "line": line_no},
                                               "raw": line.rstrip(b"\r\n")[:2048].decode("utf-8", "replace")}) + b"\n")
    summary = {"output_records": written, "dead_letter_records": sum(reasons.values()), "dead_letter_reasons": reasons}
    with open(os.path.join(args.output, "summary.json"), "wb") as f: f.write(orjson.dumps(summary))
    print(f"written: {written:,}; dead letters: {summary['dead_letter_records']:,} {dict(sorted(reasons.items()))}")

if __name__ == "__main__":
    sys.exit(main())
