"""Why positive-only SUP does not beat RL/KTO in this world: drop one polarity of the decoded data.

Replays the respect protocol's loop in-process (same seed data, same deployment RNG streams, same
training as `babylm interact run --protocol respect --option games=250 --option seed_games=150 --option
epochs=12`, binary labels, decoded by the student itself) for learners that keep only part of the data:
  sup      decoded positives, NLL (= the protocol's binary-sup; reproduces its numbers exactly)
  kto      positives and negatives (= binary-kto)
  kto-pos  KTO on decoded positives only
  kto-neg  KTO on decoded negatives only
  rl-neg   REINFORCE with the -0.1 negatives only
Prints task success per round per learner.

    .venv/bin/python bench/respect_why.py [--learners sup,kto,kto-pos,kto-neg] [--games 250]
"""

from __future__ import annotations

import argparse
import os
import random
import time


def run(learner: str, games: int, seed_games: int, epochs: int, rounds: int, seed: int) -> list[float]:
    from babylm.tracks.interaction.games.decoding import StudentDecoder
    from babylm.tracks.interaction.games.respect import (
        RespectWorld,
        play,
        seed_data,
        training_examples,
        window_text,
    )
    from babylm.tracks.interaction.students.learning import FitConfig, fit
    from babylm.tracks.interaction.students.refgame import Student, Vocab

    world = RespectWorld()
    vocab = Vocab.for_world(world.lexicon)
    seed_l, seed_d = seed_data(world, seed_games, random.Random(f"{seed}:seed"))
    cfg = FitConfig(epochs=epochs, seed=seed)

    def train(extra: list[dict]) -> Student:
        s = Student.fresh(vocab, seed=seed)
        fit(s, seed_l + extra, decoder=seed_d, cfg=cfg)
        return s

    base, _, keep = learner.partition("-")
    student, data, success = train([]), [], []
    for r in range(rounds):
        played = play(student, world, games, random.Random(f"{seed}:deploy:{r}"))
        turns = [t for g in played for t in g.turns]
        windows = [window_text(t["action"], t["next_utterance"]) for t in turns]
        labels = [d.label for d in StudentDecoder(student).decode(windows, "binary")]
        success.append(sum(g.success for g in played) / len(played))
        ex = training_examples(turns, labels, base)
        if keep == "pos":
            ex = [e for e in ex if e["r"] > 0]
        elif keep == "neg":
            ex = [e for e in ex if e["r"] < 0]
        data += ex
        student = train(data)
    return success


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", default="sup,kto,kto-pos,kto-neg,rl-neg")
    ap.add_argument("--games", type=int, default=250)
    ap.add_argument("--seed-games", type=int, default=150)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    print("learner   " + "".join(f"  r{r:<4}" for r in range(args.rounds)) + "  seconds")
    for learner in args.learners.split(","):
        t0 = time.perf_counter()
        vals = run(learner, args.games, args.seed_games, args.epochs, args.rounds, args.seed)
        print(learner.ljust(10) + "".join(f"  {100 * v:5.1f}" for v in vals) + f"  {time.perf_counter() - t0:6.0f}",
              flush=True)
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
