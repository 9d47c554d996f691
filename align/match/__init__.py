"""Match stage: align claim units across documents and group them into claims.

Modules: units (claim units), candidates (k-NN mining), scoring, comparable, parallel,
stories, claims, conflict, corpus (the whole run: one corpus-wide k-NN search, stories, then
matching per story).  The stage takes units and vectors; it never embeds.

A run is matched story by story (align/match/corpus.py, align/match/stories.py): one k-NN search
over all units (faiss, links across documents only) gives each unit's corpus neighbourhood and
the cross-document links that, with the documents' mean vectors and dates, group documents into
stories.  Everything below happens inside a story only; nothing loops over document pairs.

Comparable mode (`align_comparable`, the default): news reports are not translations of each
other, so matching is order-free and runs on claim units (align/match/units.py).  Inside a story, the candidates are
each unit's k nearest units of every other document of the story, in both directions
(`candidates.story_candidates`, exact; src_doc < tgt_doc).  Each candidate gets

- `cosine`  cos(x, y) of the L2-normalised embeddings;
- `margin`  the ratio margin of Artetxe & Schwenk (2019, "Margin-based parallel corpus mining"):
            cos(x, y) / ((mean cos of x to its k NN + mean cos of y to its k NN) / 2), the k NN
            taken over ALL units of the run (other documents), so a pair of unrelated documents
            does not look good merely because each has a poor neighbourhood.  It corrects
            hubness: a sentence similar to everything (a "hub") has a high neighbourhood mean,
            so its pairs get a low margin;
- `mutual`  whether x and y are each other's nearest neighbour.

Margin alone pairs unrelated sentences when a document has nothing to match (every
neighbourhood is poor, so ratios stay near 1; see LASER issue #198), so an absolute floor
`cos_floor` removes pairs that are not similar at all.  A fourth, independent signal is `lexical`, the IDF-weighted overlap of content words
(embeddings blur exact terms such as "legitimate rights and interests").  They are combined into

    score = sigmoid(W_BIAS + W_COSINE * cosine + W_MARGIN * (margin - 1) + W_MUTUAL * mutual
                    + W_LEXICAL * lexical)

The weights are a logistic regression fitted by benchmarks/match_quality.py on public data that
is not the seeds (STS-B cross-lingual graded pairs, NTREX-128 news documents with dropped and
shuffled lines and distractors); `score` is thus an estimate of the probability that the pair
states the same claim.  The seeds' hand labels (tests/data/labelled_pairs.csv) are a test only.
The cosine is the fused one of align/match/fusion.py (MT + direct multilingual signals); the
weights come in profiles (mt, direct, fused) that the pipeline picks from the run's signals.

Parallel mode (`parallel.align_parallel`): for documents that translate each other, a monotonic
alignment by dynamic programming (as Vecalign / Bertalign).  Every window of 1-5 consecutive
sentences is embedded as one text; a first pass with 1-1/1-0/0-1 beads (coarse-to-fine on long
documents) finds the path and a second pass inside a band of +-PARALLEL_WINDOW sentences allows
beads of up to PARALLEL_MAX_SIDE sentences a side, so time is linear in document length.  A bead
costs (1 - sim) normalised by the span's mean cost against random sentences of the other side,
plus a size penalty and a length-ratio term; a skip costs a percentile of the document's own 1-1
costs.  See align/match/parallel.py and the PARALLEL_* constants of align/config.py.

Claims (`claims.cluster_units`): aligned units of a story grouped by average linkage, at most one
unit per document, a unit joining only if it is aligned with most members (no chaining); one row
per (claim, document) member; every unit aligned nowhere is a claim of its own (n_docs 1).
"""
