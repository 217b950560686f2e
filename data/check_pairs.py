#!/usr/bin/env python3
"""Authoring aid for the curated pair set in data/pairs/.

Checks every pair file: layout, id uniqueness, both CI files parse as YAML,
counts per task / direction / stack, and runs check-jsonschema (one batched
call per schema) on the GitLab and GitHub sides.

Usage: python3 data/check_pairs.py [--no-schema] [--quiet]
Exit status is non-zero when any pair fails.
"""
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
PAIRS = os.path.join(HERE, "pairs")
CHECKER = os.environ.get("CHECK_JSONSCHEMA", "/work/main/.venv/bin/check-jsonschema")

TASKS = {"platform", "stack", "deploy"}
PLATFORMS = {"github", "gitlab"}
CLOUDS = {"aws", "gcp", "azure", "ssh", "k8s"}
STACKS = {
    "php", "python", "node", "ruby", "go", "rust", "java-maven", "java-gradle",
    "dotnet", "swift", "cpp", "docker", "terraform", "elixir", "kotlin", "deno",
    "scala", "dart", "haskell",
}
PREFIX = {"platform": ("gh2gl-", "gl2gh-"), "stack": ("stack-",), "deploy": ("deploy-",)}
TOP_KEYS = ["id", "task", "source", "target", "license", "notes", "source_file", "target_file"]
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# contexts an attacker controls; they must never be expanded inline in run:
UNTRUSTED = re.compile(
    r"\$\{\{\s*github\.(head_ref|ref_name|event\.ref\b|event\.(pull_request\.(title|body|head\.ref|head\.label)"
    r"|issue\.(title|body)|comment\.body|review\.body|head_commit\.message|commits))")
PLACEHOLDER = re.compile(r"\b(TODO|FIXME|XXX|CHANGEME)\b|<your[-_ ]", re.I)


def load_pairs(errors):
    pairs = []
    for name in sorted(os.listdir(PAIRS)):
        path = os.path.join(PAIRS, name)
        if not name.endswith(".yml"):
            errors.append(f"{path}: not a .yml file")
            continue
        try:
            with open(path, encoding="utf-8") as fh:
                doc = yaml.safe_load(fh)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{path}: pair does not parse: {exc}")
            continue
        pairs.append((path, doc))
    return pairs


def side_platform(doc, side):
    return ((doc.get(side) or {}).get("platform"))


def check_layout(path, doc, errors):
    def err(msg):
        errors.append(f"{path}: {msg}")

    if not isinstance(doc, dict):
        return err("top level is not a mapping")
    keys = list(doc.keys())
    if keys != TOP_KEYS:
        err(f"keys {keys} != {TOP_KEYS}")
    pid = doc.get("id")
    if not isinstance(pid, str) or not ID_RE.match(pid):
        err(f"id {pid!r} is not kebab-case")
    elif os.path.basename(path) != pid + ".yml":
        err(f"file name does not match id {pid}")
    task = doc.get("task")
    if task not in TASKS:
        return err(f"task {task!r} not in {sorted(TASKS)}")
    if isinstance(pid, str) and not pid.startswith(PREFIX[task]):
        err(f"id {pid} must start with one of {PREFIX[task]}")
    for side in ("source", "target"):
        s = doc.get(side)
        if not isinstance(s, dict):
            err(f"{side} is not a mapping")
            continue
        allowed = {"platform", "stack", "cloud"}
        if set(s) - allowed:
            err(f"{side} has unknown keys {sorted(set(s) - allowed)}")
        if s.get("platform") not in PLATFORMS:
            err(f"{side}.platform {s.get('platform')!r}")
        if s.get("stack") not in STACKS:
            err(f"{side}.stack {s.get('stack')!r} unknown")
        if task == "deploy":
            if s.get("cloud") not in CLOUDS:
                err(f"{side}.cloud {s.get('cloud')!r} not in {sorted(CLOUDS)}")
        elif "cloud" in s:
            err(f"{side}.cloud only belongs to deploy pairs")
    src, tgt = doc.get("source") or {}, doc.get("target") or {}
    if task == "platform":
        if src.get("platform") == tgt.get("platform"):
            err("platform pair must change platform")
        if src.get("stack") != tgt.get("stack"):
            err("platform pair must keep the stack")
        want = "gh2gl-" if src.get("platform") == "github" else "gl2gh-"
        if isinstance(pid, str) and not pid.startswith(want):
            err(f"direction {src.get('platform')}->{tgt.get('platform')} needs prefix {want}")
    elif task == "stack":
        if src.get("platform") != tgt.get("platform"):
            err("stack pair must keep the platform")
        if src.get("stack") == tgt.get("stack"):
            err("stack pair must change the stack")
    elif task == "deploy":
        if src.get("platform") != tgt.get("platform"):
            err("deploy pair must keep the platform")
        if src.get("stack") != tgt.get("stack"):
            err("deploy pair must keep the stack")
        if src.get("cloud") == tgt.get("cloud"):
            err("deploy pair must change the cloud")
    if not isinstance(doc.get("license"), str) or not doc.get("license"):
        err("license missing")
    notes = doc.get("notes")
    if not isinstance(notes, str) or not notes.strip() or "\n" in notes.strip():
        err("notes must be one non-empty line")


def check_ci(path, doc, side, errors):
    """Parse one CI side and apply platform-specific sanity rules."""
    text = doc.get(f"{side}_file")
    plat = side_platform(doc, side)
    if not isinstance(text, str) or not text.strip():
        errors.append(f"{path}: {side}_file empty")
        return None
    if "\t" in text:
        errors.append(f"{path}: {side}_file contains a tab")
    if PLACEHOLDER.search(text):
        errors.append(f"{path}: {side}_file contains a placeholder")
    try:
        ci = yaml.safe_load(text)
    except Exception as exc:  # noqa: BLE001
        errors.append(f"{path}: {side}_file does not parse: {exc}")
        return None
    if not isinstance(ci, dict):
        errors.append(f"{path}: {side}_file is not a mapping")
        return None
    n = len(text.splitlines())
    if n < 8 or n > 160:
        errors.append(f"{path}: {side}_file has {n} lines (want 8..160)")
    if plat == "github":
        on = ci.get("on", ci.get(True))
        if on is None:
            errors.append(f"{path}: {side}_file has no on:")
        jobs = ci.get("jobs")
        if not isinstance(jobs, dict) or not jobs:
            errors.append(f"{path}: {side}_file has no jobs")
            return text
        for jname, job in jobs.items():
            if not isinstance(job, dict):
                continue
            if "uses" in job:
                continue
            if "runs-on" not in job or not job.get("steps"):
                errors.append(f"{path}: {side} job {jname} lacks runs-on/steps")
            for step in job.get("steps") or []:
                run = step.get("run") if isinstance(step, dict) else None
                if isinstance(run, str) and UNTRUSTED.search(run):
                    errors.append(f"{path}: {side} job {jname} expands an untrusted context in run:")
        if "permissions" not in ci and not all("permissions" in j for j in jobs.values() if isinstance(j, dict)):
            errors.append(f"{path}: {side}_file has no permissions: block")
        if doc.get("task") == "platform" and side == "target":
            for jname, job in jobs.items():
                steps = job.get("steps") if isinstance(job, dict) else None
                if not steps:
                    continue
                uses = [s.get("uses", "") for s in steps if isinstance(s, dict)]
                if not any(u.startswith("actions/checkout@") for u in uses) and \
                        not any(u.startswith(("actions/download-artifact@", "actions/deploy-pages@"))
                                for u in uses):
                    errors.append(f"{path}: target job {jname} has no actions/checkout")
    else:
        reserved = {"stages", "variables", "default", "workflow", "include", "image",
                    "services", "cache", "before_script", "after_script"}
        jobs = {k: v for k, v in ci.items() if k not in reserved and not str(k).startswith(".")}
        if not jobs:
            errors.append(f"{path}: {side}_file has no jobs")
        stages = ci.get("stages") or ["build", "test", "deploy"]
        default_stages = {".pre", ".post"}
        for jname, job in jobs.items():
            if not isinstance(job, dict):
                errors.append(f"{path}: {side} job {jname} is not a mapping")
                continue
            st = job.get("stage")
            if st is not None and st not in stages and st not in default_stages:
                errors.append(f"{path}: {side} job {jname} stage {st!r} not in stages")
            # needs must point to a job declared in this file
            for need in job.get("needs") or []:
                nname = need.get("job") if isinstance(need, dict) else need
                if isinstance(need, dict) and need.get("pipeline") or (isinstance(need, dict) and need.get("project")):
                    continue
                if nname not in jobs:
                    errors.append(f"{path}: {side} job {jname} needs unknown job {nname!r}")
    return text


def run_schema(schema, items, errors):
    if not items:
        return
    if not os.path.exists(CHECKER):
        errors.append(f"schema checker {CHECKER} not found")
        return
    tmp = tempfile.mkdtemp(prefix="pairs-")
    try:
        mapping = {}
        files = []
        for i, (path, side, text) in enumerate(items):
            fn = os.path.join(tmp, f"{i:04d}-{side}.yml")
            with open(fn, "w", encoding="utf-8") as fh:
                fh.write(text)
            mapping[fn] = (path, side)
            files.append(fn)
        proc = subprocess.run(
            [CHECKER, "--builtin-schema", schema, "--output-format", "text", *files],
            capture_output=True, text=True)
        if proc.returncode != 0:
            out = proc.stdout + proc.stderr
            bad = set()
            for line in out.splitlines():
                for fn, (path, side) in mapping.items():
                    if fn in line:
                        bad.add(fn)
                        errors.append(f"{path}: {side}_file [{schema}] {line.replace(fn, '').strip()}")
            if not bad:
                errors.append(f"[{schema}] checker failed: {out.strip()[:2000]}")
    finally:
        shutil.rmtree(tmp)


def main():
    quiet = "--quiet" in sys.argv
    errors = []
    pairs = load_pairs(errors)
    ids = collections.Counter()
    texts = collections.Counter()
    per_task = collections.Counter()
    per_dir = collections.Counter()
    per_stack = collections.Counter()
    per_cloud = collections.Counter()
    schema_items = {"vendor.gitlab-ci": [], "vendor.github-workflows": []}
    for path, doc in pairs:
        check_layout(path, doc, errors)
        if not isinstance(doc, dict):
            continue
        ids[doc.get("id")] += 1
        task = doc.get("task")
        per_task[task] += 1
        src, tgt = doc.get("source") or {}, doc.get("target") or {}
        per_dir[f"{task}:{src.get('platform')}->{tgt.get('platform')}"] += 1
        for stack in {src.get("stack"), tgt.get("stack")}:
            per_stack[f"{task}:{stack}"] += 1
        if task == "deploy":
            per_cloud[f"{src.get('cloud')}->{tgt.get('cloud')}"] += 1
        for side in ("source", "target"):
            text = check_ci(path, doc, side, errors)
            if text is None:
                continue
            norm = re.sub(r"\s+", " ", text).strip()
            texts[norm] += 1
            schema = "vendor.gitlab-ci" if side_platform(doc, side) == "gitlab" else "vendor.github-workflows"
            schema_items[schema].append((path, side, text))
        if doc.get("source_file") == doc.get("target_file"):
            errors.append(f"{path}: source and target are identical")
    for pid, n in ids.items():
        if n > 1:
            errors.append(f"duplicate id {pid} ({n} files)")
    dups = sum(1 for n in texts.values() if n > 1)
    if dups:
        errors.append(f"{dups} CI file texts occur more than once")
    if "--no-schema" not in sys.argv:
        for schema, items in schema_items.items():
            run_schema(schema, items, errors)

    print(f"pairs: {len(pairs)}")
    print("per task: " + ", ".join(f"{k}={v}" for k, v in sorted(per_task.items())))
    print("per direction: " + ", ".join(f"{k}={v}" for k, v in sorted(per_dir.items())))
    if not quiet:
        plat_stacks = sorted(k.split(":", 1)[1] for k in per_stack if k.startswith("platform:"))
        print(f"platform stacks ({len(plat_stacks)}): " + ", ".join(
            f"{s}={per_stack['platform:' + s]}" for s in plat_stacks))
        for task in ("stack", "deploy"):
            ks = sorted(k for k in per_stack if k.startswith(task + ":"))
            print(f"{task} stacks: " + ", ".join(f"{k.split(':', 1)[1]}={per_stack[k]}" for k in ks))
        print("deploy clouds: " + ", ".join(f"{k}={v}" for k, v in sorted(per_cloud.items())))
    for e in errors:
        print("ERROR " + e)
    print(f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
