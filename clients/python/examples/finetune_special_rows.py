"""Fine-tunes a few special-symbol rows of a view by pushing gradients, the way a trainer does.

The special symbols (``@user``, ``<num>``, ``<url>`` by default) get rows of their own in an
overlay view; every step pulls them, computes the gradient of a toy loss -- the squared distance
of each symbol's row to the mean of a few words it should sit near -- and pushes it for the
view's server-side optimizer to apply. Pretrained rows stay frozen: the store refuses pushes to them.

    python3 examples/finetune_special_rows.py --address 127.0.0.1:5191 --table glove \
        --near "@user=he,she,they" --near "<num>=one,two,three" --near "<url>=website,link,page"
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from embstore import Client  # noqa: E402  (after the path above, so it runs from a checkout)

DEFAULT_NEAR = ["@user=he,she,they", "<num>=one,two,three", "<url>=website,link,page"]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1:5191")
    parser.add_argument("--table", required=True, help="an imported table, e.g. glove")
    parser.add_argument("--view", default="special-rows", help="overlay view to create (or reuse)")
    parser.add_argument("--near", action="append", help="SYMBOL=word,word,...: pull SYMBOL towards those words")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--api-key", default=None)
    return parser.parse_args(argv)


def main(argv=None):
    """Runs the fine-tuning; returns the loss before and after, for callers that check it."""
    args = parse_args(argv)
    targets = dict(pair.split("=", 1) for pair in (args.near or DEFAULT_NEAR))
    with Client(args.address, api_key=args.api_key, timeout=60) as store:
        if args.view not in [v.name for v in store.list_views(table=args.table)]:
            store.create_view(args.view, table=args.table, mode="overlay", unknown="create",
                              optimizer="adagrad", learning_rate=args.learning_rate)
        symbols = list(targets)
        # The words are pretrained rows: read once, never pushed.
        goal = np.stack([store.pull(args.view, tokens=targets[s].split(","), unknown="fail")[0].mean(axis=0)
                         for s in symbols])
        ids = store.resolve(args.view, symbols)
        losses = []
        for step in range(args.steps + 1):
            rows, metas = store.pull(args.view, ids=ids)
            assert all(m.trainable for m in metas), "special rows are the view's own, hence trainable"
            difference = rows - goal
            losses.append(float((difference ** 2).sum(axis=1).mean()))
            if step < args.steps:
                store.push(args.view, ids, 2 * difference / len(symbols))
            if step % 10 == 0:
                print(f"step {step:3d}  loss {losses[-1]:.4f}")
    print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f} over {args.steps} pushes")
    return losses[0], losses[-1]


if __name__ == "__main__":
    main()
