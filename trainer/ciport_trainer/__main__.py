"""`python -m ciport_trainer train|generate|export|serve --config FILE ...`

stdout carries only JSON-lines events; exit codes: 0 ok, 1 internal error, 2 config error, 3 data
error, 4 model load error, 5 out of memory, 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback

from .config import RunConfig, load_config
from .errors import EXIT_INTERRUPTED, OOM_ADVICE, ConfigError, WorkerError, is_out_of_memory
from .events import Emitter, claim_stdout, redirect_logs

log = logging.getLogger("ciport_trainer")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors are config errors, reported as an event
        raise ConfigError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ciport_trainer")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help: str) -> argparse.ArgumentParser:  # noqa: A002
        c = sub.add_parser(name, help=help)
        c.add_argument("--config", required=True, help="resolved run config (JSON)")
        return c

    command("train", "fine-tune (or resume, with resume_from) as configured")

    g = command("generate", "batch generation from a chat JSONL")
    g.add_argument("--input", required=True)
    g.add_argument("--model", help="adapter or model directory (default: RUN/adapter)")
    g.add_argument("--max-new-tokens", type=int, default=256)
    g.add_argument("--sample", action="store_true", help="sample instead of greedy decoding")
    g.add_argument("--temperature", type=float, default=1.0)
    g.add_argument("--top-p", type=float, default=1.0)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--batch-size", type=int, default=8)

    e = command("export", "merge the LoRA adapter into the base model (safetensors)")
    e.add_argument("--merge", action="store_true", required=True)
    e.add_argument("--model", help="adapter directory (default: RUN/adapter)")
    e.add_argument("--out", help="output directory (default: RUN/merged)")

    s = command("serve", "OpenAI-compatible /v1/chat/completions on 127.0.0.1")
    s.add_argument("--model", help="adapter or model directory (default: RUN/adapter)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0, help="0 picks a free port (see the listening event)")
    s.add_argument("--model-name", default=None)
    s.add_argument("--max-tokens", type=int, default=256)
    return p


def _set_threads() -> None:
    threads = os.environ.get("CIPORT_TORCH_THREADS")
    if threads:
        import torch

        torch.set_num_threads(int(threads))


def _run(args: argparse.Namespace, cfg: RunConfig, emitter: Emitter) -> int:
    if args.command == "train":
        from .train import Interrupted, StopRequest, latest_complete_checkpoint, train

        stop = StopRequest()
        stop.install()
        try:
            record = train(cfg, emitter, stop).record
        except Interrupted as exc:
            emitter.emit("interrupted", step=exc.step, checkpoint=exc.checkpoint,
                         resumable=exc.checkpoint is not None, signal=stop.signal_name)
            return EXIT_INTERRUPTED
        except KeyboardInterrupt:
            ckpt = latest_complete_checkpoint(os.path.abspath(cfg.output_dir))
            emitter.emit("interrupted", step=None, checkpoint=ckpt, resumable=ckpt is not None,
                         signal=stop.signal_name or "SIGINT")
            return EXIT_INTERRUPTED
        emitter.emit("done", **record)
        return 0

    if args.command == "generate":
        from .generate import SamplingParams, generate

        for name in ("max_new_tokens", "batch_size"):
            if getattr(args, name) < 1:
                raise ConfigError(f"--{name.replace('_', '-')}: must be at least 1")
        params = SamplingParams(max_new_tokens=args.max_new_tokens, do_sample=args.sample,
                                temperature=args.temperature, top_p=args.top_p, seed=args.seed)
        emitter.emit("done", **generate(cfg, emitter, args.input, params, model_dir=args.model,
                                        batch_size=args.batch_size))
        return 0

    if args.command == "export":
        from .export import export_merged

        emitter.emit("done", **export_merged(cfg, model_dir=args.model, out_dir=args.out))
        return 0

    if args.command == "serve":
        import signal

        from .generate import Generator
        from .serve import ChatServer

        generator = Generator.from_run(cfg, args.model)
        server = ChatServer(generator, args.model_name or os.path.basename(os.path.abspath(cfg.output_dir)),
                            host=args.host, port=args.port, default_max_tokens=args.max_tokens)

        def stop_serving(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop_serving)
        host, port = server.server_address[:2]
        emitter.emit("listening", host=host, port=port, url=server.url)
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        emitter.emit("done", served=True)
        return 0
    raise ConfigError(f"unknown command {args.command}")  # pragma: no cover - argparse rejects it


def main(argv: list[str] | None = None) -> int:
    emitter = claim_stdout()
    try:
        args = _parser().parse_args(argv)
        cfg = load_config(args.config)
        log_path = redirect_logs(os.path.abspath(cfg.output_dir))
        log.info("ciport_trainer %s --config %s (log %s)", args.command, args.config, log_path)
        _set_threads()
        return _run(args, cfg, emitter)
    except WorkerError as exc:
        log.error("%s", exc.message)
        emitter.emit("error", **exc.event_fields())
        return exc.exit_code
    except KeyboardInterrupt:
        emitter.emit("interrupted", step=None, checkpoint=None, resumable=False, signal="SIGINT")
        return EXIT_INTERRUPTED
    except Exception as exc:
        log.error("%s", traceback.format_exc())
        if is_out_of_memory(exc):
            emitter.emit("error", kind="oom", message=f"out of memory: {OOM_ADVICE}")
            return 5
        emitter.emit("error", kind="internal", message=f"{type(exc).__name__}: {exc}".splitlines()[0])
        return 1


if __name__ == "__main__":
    sys.exit(main())
