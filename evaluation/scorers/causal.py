"""Causal-LM scorer: summed log P(continuation | context), fast on CPU and independent of batching.

Conventions (explicit, per compat mode):
- compat "babylm" (the default, equal to lm-eval's HFLM): a context-free request scores
  `" " + continuation` after the tokenizer's BOS token (EOS when there is no BOS), so every token
  of the sentence is scored. If the encoded sentence already starts with that token, it is the context.
- compat "official" (the 2025 pipeline): a context-free request scores the bare continuation with no
  BOS, so its first token is unscored.
- A request with a context (both modes): trailing spaces of the context move to the continuation,
  `context + continuation` is encoded whole and split after the context's tokens (lm-eval's rule).
- Sequences longer than the model's window keep their last `max_length + 1` tokens.

Speed: identical token sequences are scored once; sequences are sorted so that a shared prefix
(the two sentences of a minimal pair usually share one) has its token log-probs computed once;
batches are length-bucketed (little padding); only the needed hidden states go through the LM head
and only logsumexp + the target logit are kept (no full log-softmax tensor).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from babylm.errors import BabyLMError
from babylm.evaluation.api import Compat, ScoreRequest
from babylm.evaluation.scorers.load import check_finite, target_logprobs

DEFAULT_BATCH = 128
DEFAULT_MAX_TOKENS = 16384  # padded tokens per forward pass
MIN_SHARED_CONTEXT = 8  # contexts at least this long, shared by several requests, are run once
MIN_SHARED_PREFIX = 3  # sentence prefixes shared this long run once (deep models only)
MAX_GROUP = 64  # sentences per shared-prefix group (measured: 64 fed slightly fewer tokens than 8)
REST_SLACK = 0  # rests batched together have equal length: padding is paid in full by every layer
DEEP_BODY = 2048  # n_layer x width from which a second (cached) forward costs less than it saves


class CausalScorer:
    backend = "causal"
    engine = "transformers"

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        compat: Compat = "babylm",
        batch_size: int | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.compat = compat
        self.batch_size = batch_size or DEFAULT_BATCH
        self.max_tokens = max_tokens
        cfg = model.config
        self.max_length = int(
            getattr(cfg, "n_positions", None) or getattr(cfg, "max_position_embeddings", None) or 2048
        )
        self.prefix_id = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
        self._split: tuple[Any, Any] | None | bool = False  # False = not checked yet
        self.cache_ok = True  # shared contexts through the KV cache (off for models without one)
        depth = getattr(cfg, "n_layer", None) or getattr(cfg, "num_hidden_layers", None) or 0
        width = getattr(cfg, "n_embd", None) or getattr(cfg, "hidden_size", None) or 0
        self.share_prefixes = depth * width >= DEEP_BODY

    # ---- tokenization ----
    def _encode_many(self, texts: list[str]) -> list[list[int]]:
        if not texts:
            return []
        unique = list(dict.fromkeys(texts))  # candidates share contexts: tokenize each text once
        backend = getattr(self.tokenizer, "backend_tokenizer", None) if self.tokenizer.is_fast else None
        if backend is not None:  # same ids, without building Python offset/attention structures
            ids = [e.ids for e in backend.encode_batch(unique, add_special_tokens=False)]
        else:
            ids = list(self.tokenizer(unique, add_special_tokens=False)["input_ids"])
        if len(unique) == len(texts):
            return ids
        by_text = dict(zip(unique, ids, strict=True))
        return [by_text[t] for t in texts]

    def encode(self, requests: Sequence[ScoreRequest]) -> list[tuple[list[int], int]]:
        """(token ids, index of the first scored token) per request."""
        out: list[tuple[list[int], int] | None] = [None] * len(requests)
        free = [i for i, r in enumerate(requests) if r.context == ""]
        ctxd = [i for i, r in enumerate(requests) if r.context != ""]
        if self.compat == "official":
            for i, enc in zip(free, self._encode_many([requests[i].continuation for i in free]), strict=True):
                out[i] = (enc, 1)
        else:
            if free and self.prefix_id is None:
                raise BabyLMError(
                    "the tokenizer has neither a BOS nor an EOS token, so the first token cannot be scored",
                    hint="add a bos_token to the tokenizer, or use --compat official",
                )
            texts = [_lead_space(requests[i].continuation) for i in free]
            for i, text, enc in zip(free, texts, self._encode_many(texts), strict=True):
                if not text:
                    out[i] = ([self.prefix_id], 1)
                elif enc and enc[0] == self.prefix_id:
                    out[i] = (enc, 1)
                else:
                    out[i] = ([self.prefix_id, *enc], 1)
        if ctxd:
            ctxs, wholes = [], []
            for i in ctxd:
                c, k = requests[i].context, requests[i].continuation
                n_sp = len(c) - len(c.rstrip())
                if n_sp:
                    c, k = c[:-n_sp], c[-n_sp:] + k
                ctxs.append(c)
                wholes.append(c + k)
            for i, ce, we in zip(ctxd, self._encode_many(ctxs), self._encode_many(wholes), strict=True):
                out[i] = (we, len(ce))
        result: list[tuple[list[int], int]] = []
        for toks, start in out:  # type: ignore[misc]
            limit = self.max_length + 1
            if len(toks) > limit:
                drop = len(toks) - limit
                toks, start = toks[drop:], max(1, start - drop)
            result.append((toks, max(1, start) if toks else 0))
        return result

    # ---- scoring ----
    def score(self, requests: Sequence[ScoreRequest]) -> list[float]:
        encs = self.encode(requests)
        need: dict[tuple[int, ...], int] = {}
        for toks, start in encs:
            key = tuple(toks)
            if start < len(toks):
                need[key] = min(start, need.get(key, len(toks)))
        lps = self.token_logprobs(need)
        out = []
        for toks, start in encs:
            if start >= len(toks):
                out.append(0.0)
                continue
            vals = lps[tuple(toks)]
            out.append(float(sum(float(v) for v in vals[start:])))
        check_finite(out)
        return out

    def token_logprobs(self, need: dict[tuple[int, ...], int]) -> dict[tuple[int, ...], list[float]]:
        """For each sequence, log P(token t | tokens < t) for t >= its start (entries before are 0)."""
        import torch

        seqs = sorted(need)
        # Positions inherited from the lexicographic predecessor: same prefix -> same log-probs.
        todo: list[tuple[tuple[int, ...], list[int]]] = []
        inherit: list[tuple[int, int, int]] = []  # (seq index, from, to) copied from seq index - 1
        prev: tuple[int, ...] = ()
        prev_avail = 1 << 30
        for si, s in enumerate(seqs):
            lo = need[s]
            lcp = _lcp(prev, s)
            if prev and prev_avail <= lo and lcp > lo:
                inherit.append((si, lo, lcp))
                positions = list(range(lcp, len(s)))
            else:
                positions = list(range(lo, len(s)))
            if positions:
                todo.append((s, positions))
            prev, prev_avail = s, lo
        values: dict[tuple[int, ...], list[float]] = {s: [0.0] * len(s) for s in seqs}
        plain, groups = self._group_by_context(todo, need)
        plain.sort(key=lambda x: len(x[0]))
        with torch.inference_mode():
            for batch in self._batches(plain):
                self._run_batch(batch, values)
            for gbatch in self._group_batches(groups):
                if self.cache_ok:
                    try:
                        self._run_grouped(gbatch, values)
                        continue
                    except NoKVCache:  # e.g. Mamba's state cache: score these (and the rest) without it
                        self.cache_ok = False
                members = sorted((m for _, ms in gbatch for m in ms), key=lambda x: len(x[0]))
                for batch in self._batches(members):
                    self._run_batch(batch, values)
        for si, a, b in inherit:
            src, dst = values[seqs[si - 1]], values[seqs[si]]
            dst[a:b] = src[a:b]
        return values

    def _batches(self, todo: list[tuple[tuple[int, ...], list[int]]]):
        batch: list[tuple[tuple[int, ...], list[int]]] = []
        for item in todo:
            width = len(item[0]) - 1
            if batch and (len(batch) >= self.batch_size or (len(batch) + 1) * width > self.max_tokens):
                yield batch
                batch = []
            batch.append(item)
        if batch:
            yield batch

    def _group_by_context(self, todo: list, need: dict) -> tuple[list, list]:
        """Split off sequences whose first tokens are shared with others: that prefix runs once (KV cache).

        Two kinds of groups: requests with the same long context (the context of a sequence is its
        tokens before position start - 1: the last context token is fed with the continuation, since its
        hidden state predicts the first scored token); and, for deep models where the transformer body
        dominates, context-free sentences sharing a prefix (the two sentences of a minimal pair).
        """
        by_ctx: dict[tuple[int, ...], list] = {}
        for s, positions in todo:
            by_ctx.setdefault(s[: need[s] - 1], []).append((s, positions))
        plain, groups = [], []
        for ctx, members in by_ctx.items():
            if len(ctx) >= MIN_SHARED_CONTEXT and len(members) >= 2 and self.cache_ok:
                groups.append((ctx, members))
            else:
                plain.extend(members)
        if self.cache_ok and self.share_prefixes and plain:
            plain.sort(key=lambda x: x[0])
            rest, run, shared = [], [plain[0]], len(plain[0][0])
            for item in [*plain[1:], None]:
                lcp = _lcp(run[-1][0], item[0]) if item is not None else 0
                if lcp >= MIN_SHARED_PREFIX and len(run) < MAX_GROUP:
                    run.append(item)
                    shared = min(shared, lcp)
                    continue
                if len(run) >= 2:
                    groups.append((run[0][0][:shared], run))
                else:
                    rest.extend(run)
                if item is not None:
                    run, shared = [item], len(item[0])
            plain = rest
        # batch groups of similar total length together: little padding in either pass
        groups.sort(key=lambda g: (len(g[0]), max(len(m[0]) for m in g[1])))
        return plain, groups

    def _group_batches(self, groups: list):
        """Groups with the same prefix length (no padding in the prefix pass), limited in size."""
        batch: list = []
        for g in groups:
            if batch and (len(g[0]) != len(batch[0][0]) or (len(batch) + 1) * len(g[0]) > self.max_tokens
                          or len(batch) >= self.batch_size):
                yield batch
                batch = []
            batch.append(g)
        if batch:
            yield batch

    def _run_grouped(self, groups: list, values: dict) -> None:
        """One forward over the prefixes (all of one length), then the rests against the cached prefix.

        A target at position p is predicted by the hidden state at p - 1: from the prefix pass when
        p - 1 < len(prefix) (identical for every member), else from the rest pass. Rests are sorted by
        length and sub-batched, each sub-batch with its own copy of the prefix cache rows it needs.
        """
        import torch

        split = self._body_head()
        fwd = split[0] if split is not None else self.model
        c = len(groups[0][0])
        pids = torch.tensor([list(g[0]) for g in groups], dtype=torch.long)
        first = fwd(input_ids=pids, attention_mask=torch.ones_like(pids), use_cache=True)
        kv = _layer_kv(getattr(first, "cache", None) or getattr(first, "past_key_values", None))
        pre_out = first.last_hidden_state if split is not None else first.logits
        hid, tgt, dst = [], [], []
        pre = [(gi, p, s) for gi, (_, ms) in enumerate(groups) for s, positions in ms for p in positions if p - 1 < c]
        if pre:
            hid.append(pre_out[torch.tensor([gi for gi, _, _ in pre]), torch.tensor([p - 1 for _, p, _ in pre])])
            tgt.extend(s[p] for _, p, s in pre)
            dst.extend((s, p) for _, p, s in pre)
        members = sorted(((gi, s, [p for p in positions if p - 1 >= c]) for gi, (_, ms) in enumerate(groups)
                          for s, positions in ms), key=lambda m: len(m[1]))
        members = [m for m in members if m[2]]
        start = 0
        while start < len(members):
            end = start + 1
            while (end < len(members) and end - start < self.batch_size
                   and len(members[end][1]) - len(members[start][1]) <= REST_SLACK
                   and (end - start + 1) * (c + len(members[end][1])) <= self.max_tokens):
                end += 1
            sub = members[start:end]
            start = end
            sw = max(len(s) - 1 - c for _, s, _ in sub)
            ids = torch.zeros((len(sub), sw), dtype=torch.long)
            mask = torch.zeros((len(sub), c + sw), dtype=torch.long)
            mask[:, :c] = 1
            rows, cols = [], []
            for b, (_, s, positions) in enumerate(sub):
                rest = s[c:-1]
                ids[b, : len(rest)] = torch.tensor(rest)
                mask[b, c: c + len(rest)] = 1
                rows.extend([b] * len(positions))
                cols.extend(p - 1 - c for p in positions)
                tgt.extend(s[p] for p in positions)
                dst.extend((s, p) for p in positions)
            pos = torch.arange(c, c + sw).clamp(max=self.max_length - 1).expand(len(sub), sw)
            cache = _cache_rows(kv, torch.tensor([gi for gi, _, _ in sub]))
            out = fwd(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=True,
                      **{_cache_kwarg(fwd): cache})
            rest_out = out.last_hidden_state if split is not None else out.logits
            hid.append(rest_out[torch.tensor(rows), torch.tensor(cols)])
        h, t = torch.cat(hid), torch.tensor(tgt, dtype=torch.long)
        if split is not None:
            lp = target_logprobs(h, split[1], t)
        else:
            sel = h.float()
            lp = sel.gather(1, t[:, None]).squeeze(1) - torch.logsumexp(sel, dim=-1)
        for (s, p), v in zip(dst, lp.tolist(), strict=True):
            values[s][p] = v

    def _body_head(self) -> tuple[Any, Any] | None:
        """(body, head) when logits == head(body(x).last_hidden_state) for this model, else None."""
        if self._split is not False:
            return self._split  # type: ignore[return-value]
        import torch

        self._split = None
        base = getattr(self.model, "base_model", None)
        head = self.model.get_output_embeddings()
        if base is not None and base is not self.model and head is not None:
            ids = torch.tensor([[min(i, self.model.config.vocab_size - 1) for i in (1, 5, 9, 2, 7)]])
            with torch.inference_mode():
                full = self.model(input_ids=ids).logits
                alt = head(base(input_ids=ids).last_hidden_state)
            if full.shape == alt.shape and torch.allclose(full, alt, atol=1e-4, rtol=1e-4):
                self._split = (base, head)
        return self._split

    def _run_batch(self, batch: list[tuple[tuple[int, ...], list[int]]], values: dict) -> None:
        import torch

        width = max(len(s) for s, _ in batch) - 1
        ids = torch.zeros((len(batch), width), dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        rows, cols, tgts = [], [], []
        for b, (s, positions) in enumerate(batch):
            n = len(s) - 1
            ids[b, :n] = torch.tensor(s[:-1])
            mask[b, :n] = 1
            rows.extend([b] * len(positions))
            cols.extend(p - 1 for p in positions)
            tgts.extend(s[p] for p in positions)
        r, c, t = torch.tensor(rows), torch.tensor(cols), torch.tensor(tgts)
        split = self._body_head()
        if split is not None:
            body, head = split
            hidden = body(input_ids=ids, attention_mask=mask).last_hidden_state
            lp = target_logprobs(hidden[r, c], head, t)
        else:
            logits = self.model(input_ids=ids, attention_mask=mask).logits
            sel = logits[r, c].float()
            lp = sel.gather(1, t[:, None]).squeeze(1) - torch.logsumexp(sel, dim=-1)
        lp_list = lp.tolist()
        k = 0
        for s, positions in batch:
            dst = values[s]
            for p in positions:
                dst[p] = lp_list[k]
                k += 1


class NoKVCache(Exception):
    """The model's cache is not a per-layer key/value cache (state-space or linear-attention layers)."""


def _layer_kv(cache: Any) -> list[tuple[Any, Any]]:
    """(keys, values) per layer of a KV cache, across transformers cache APIs; NoKVCache when the cache
    has layers without keys and values (Mamba's LinearAttentionLayer) or there is none."""
    if cache is None:
        raise NoKVCache("the model returned no cache")
    if hasattr(cache, "layers"):
        if not all(hasattr(layer, "keys") and hasattr(layer, "values") for layer in cache.layers):
            raise NoKVCache(f"cache layers {sorted({type(la).__name__ for la in cache.layers})} hold no keys")
        return [(layer.keys, layer.values) for layer in cache.layers]
    if hasattr(cache, "key_cache"):
        return list(zip(cache.key_cache, cache.value_cache, strict=True))
    try:
        return [(k, v) for k, v in cache]
    except (TypeError, ValueError) as exc:
        raise NoKVCache(f"unsupported cache {type(cache).__name__}") from exc


def _cache_rows(kv: list[tuple[Any, Any]], rows: Any) -> Any:
    """A fresh DynamicCache holding the given batch rows of `kv`."""
    from transformers import DynamicCache

    cache = DynamicCache()
    for i, (k, v) in enumerate(kv):
        cache.update(k[rows], v[rows], i)
    return cache


def _cache_kwarg(module: Any) -> str:
    """transformers >= 5.2x names the KV-cache argument `cache`; older versions `past_key_values`."""
    import inspect

    params = inspect.signature(module.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def _lead_space(text: str) -> str:
    return text if not text or text[0].isspace() else " " + text


def _lcp(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
