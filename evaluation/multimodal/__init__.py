"""Image-text evaluation (the 2025 multimodal track): image score requests, image-text scorers and
their safe loading, generated image-text data, brief GIT training and the demo entry.

A multimodal task's candidates are `ImageScoreRequest`s (a `ScoreRequest` plus the path of the image
it is conditioned on), so they flow through the runner, cache and metrics like any other request.
An image-text scorer (`git.GitScorer` for GIT-style image-to-text causal models,
`flamingo.IdeficsScorer` for Flamingo-style cross-attention models) returns
log P(continuation | image, context). A text-only scorer reads the same requests as plain ones and
scores them blind to the image (a text-only baseline), so score multimodal tasks with the `git`
backend (`backend.GIT_BACKEND`, registered by whoever enables it) or `evaluate.evaluate_checkpoint`.

Compat "official" follows babylm/evaluation-pipeline-2025 (sentence_zero_shot with images) where
its computation has quirks:
- tokenization: the joined sentence context + continuation is tokenized with special tokens and the
  continuation's tokens are picked by character offsets (`git`); babylm tokenizes the two apart. They
  agree whenever the continuation starts a token (" " + answer, whole captions: all official rows).
- ties: the official `torch.max` takes the first candidate, the gold one, so a tie counts as correct;
  babylm counts it 0.5 (`metrics.accuracy`).
- Winoground: the official number is the per-image two-caption accuracy, not Winoground's text,
  image or group score; both compats report it as the score and the three in details (`tasks.winoground`).
Not quirks, the same in both: the official pipeline runs with batch size 1 (babylm batches; scores do
not depend on it), reads only the logits of the text positions (image tokens come first) and uses
temperature 1.
"""
