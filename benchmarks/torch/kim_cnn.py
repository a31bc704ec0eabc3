#!/usr/bin/python3
"""Kim (2014) CNN in PyTorch: the reference the trainer's backends are timed against (benchmarks/training.sh).

The same model and step as src/Trainer: embedding (non-static: trained; `--embedding frozen`: not), narrow
convolutions of windows 3/4/5 x 100 maps with ReLU, max over time, dropout 0.5, a dense layer, softmax
cross-entropy; Adadelta (rho 0.95, eps 1e-6, lr 1) on every parameter, then max-norm 3 on each class's dense
weights. The embedding is a dense nn.Embedding updated by Adadelta as a whole, as in Kim's Theano code.
Synthetic batches: every position a random word (no padding). Prints one JSON line.

    /usr/bin/python3 benchmarks/torch/kim_cnn.py --dim 100 --positions 64 --threads 2
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class KimCnn(nn.Module):
    def __init__(self, vocab, dim, classes, windows, maps, dropout):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim, padding_idx=0)
        self.convs = nn.ModuleList(nn.Conv1d(dim, maps, h) for h in windows)
        self.dropout = nn.Dropout(dropout)
        self.dense = nn.Linear(maps * len(windows), classes)

    def forward(self, ids):
        x = self.embedding(ids).transpose(1, 2)  # [B, D, L]: Conv1d slides over L with D input channels
        pooled = [F.relu(conv(x)).amax(dim=2) for conv in self.convs]
        return self.dense(self.dropout(torch.cat(pooled, dim=1)))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--positions", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--batches", type=int, default=20, help="timed steps, after 3 warm-up steps")
    p.add_argument("--classes", type=int, default=2)
    p.add_argument("--maps", type=int, default=100)
    p.add_argument("--vocab", type=int, default=18765, help="embedding rows (MR's vocabulary in Kim's preprocessing)")
    p.add_argument("--embedding", choices=["train", "frozen"], default="train")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu")
    a = p.parse_args()

    torch.manual_seed(1)
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    model = KimCnn(a.vocab, a.dim, a.classes, (3, 4, 5), a.maps, 0.5).to(device)
    model.embedding.weight.requires_grad_(a.embedding == "train")
    optimizer = torch.optim.Adadelta([q for q in model.parameters() if q.requires_grad], lr=1.0, rho=0.95, eps=1e-6)
    batches = [(torch.randint(1, a.vocab, (a.batch_size, a.positions), device=device),
                torch.randint(0, a.classes, (a.batch_size,), device=device)) for _ in range(8)]

    def train_step(ids, labels):
        model.train()
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(ids), labels).backward()
        optimizer.step()
        with torch.no_grad():
            w = model.dense.weight
            norms = w.norm(dim=1, keepdim=True)
            w.mul_(norms.clamp(max=3.0) / (1e-7 + norms))

    def predict(ids):
        model.eval()
        with torch.no_grad():
            return model(ids).argmax(dim=1)

    def timed(step, count):
        sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
        for i in range(3):
            step(*batches[i % len(batches)])
        sync()
        start = time.perf_counter()
        for i in range(count):
            step(*batches[i % len(batches)])
        sync()
        return a.batch_size * count / (time.perf_counter() - start)

    train = timed(train_step, a.batches)
    infer = timed(lambda ids, labels: predict(ids), a.batches)
    print(json.dumps({
        "implementation": f"pytorch {torch.__version__}",
        "device": f"{a.device} ({torch.get_num_threads()} threads)" if device.type == "cpu" else torch.cuda.get_device_name(device),
        "dim": a.dim, "positions": a.positions, "batch": a.batch_size, "lengths": "full", "vocab": a.vocab,
        "embedding": a.embedding,
        "train_examples_per_s": round(train, 1), "predict_examples_per_s": round(infer, 1),
    }))


if __name__ == "__main__":
    main()
