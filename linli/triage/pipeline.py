"""The text classifier: jieba words (and word pairs) plus character 1–2-grams, TF-IDF
weighted, into a multinomial logistic regression (probabilities for the ranked top three).
Measured on held-out phrasings of the residents' corpus (linli.triage.corpus): character
1–2-grams beat 1–3 and 1–4 (0.81 against 0.79 top-1), a calibrated linear SVM did worse
(0.72), and words add a little over characters alone. One definition, used by `train_model` and by `manage.py triage_evaluate`."""

from __future__ import annotations

import io
import logging
import re
import threading
import warnings

import numpy as np

# Bump when the features or the classifier change: a retrain over unchanged cases then still
# produces a new model (the version is part of the data digest).
PIPELINE_VERSION = 2

# Words of the domain jieba's general dictionary splits apart.
DOMAIN_WORDS = [
    "井盖", "窨井", "下水道口", "雨水井", "盖板", "路灯", "声控灯", "楼道灯", "单元门", "电动车", "电瓶车",
    "飞线", "拉线充电", "充电桩", "广场舞", "垃圾房", "垃圾站", "垃圾桶", "垃圾清运", "乱停乱放", "占道",
    "消防通道", "灭火器", "私搭乱建", "违建", "柴房", "柴棚", "养猪", "猪场", "猪仔", "鸡舍", "暖气片",
    "供热管道", "热力公司", "物业费", "业委会", "网格员", "网格长", "楼栋长", "低保", "高龄补贴", "独居老人",
    "义诊", "体检", "医保", "社保", "居住证", "小广告", "蚊蝇", "坑洼", "积水", "塌陷", "扰民",
]

_jieba_lock = threading.Lock()
_jieba_ready = False
_SPACE_OR_PUNCT = re.compile(r"^[\s\W_]+$")


def _jieba():
    global _jieba_ready
    with warnings.catch_warnings():  # jieba 0.42's regexes have invalid escapes
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                for word in DOMAIN_WORDS:
                    jieba.add_word(word)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def tokenize(text: str) -> list[str]:
    """jieba words without spaces and punctuation. Stored models refer to this function by
    its import path: moving or renaming it needs a PIPELINE_VERSION bump (and a retrain)."""
    return [w for w in _jieba().lcut(text or "") if not _SPACE_OR_PUNCT.match(w)]


def build_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    return Pipeline([
        ("features", FeatureUnion([
            ("words", TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False,
                                      ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)),
        ])),
        # saga: several times faster than lbfgs on these sparse features, same accuracy.
        ("classifier", LogisticRegression(C=10.0, solver="saga", tol=1e-3, max_iter=500)),
    ])


def fit(texts: list[str], labels: list[str]):
    pipeline = build_pipeline()
    pipeline.fit(texts, labels)
    return pipeline


def ranked(pipeline, texts: list[str], k: int) -> list[list[tuple[str, float]]]:
    """The k most probable labels of each text, best first, with their probabilities."""
    probabilities = pipeline.predict_proba(texts)
    classes = pipeline.classes_
    order = np.argsort(-probabilities, axis=1)[:, :k]
    return [[(str(classes[j]), float(row[j])) for j in idx] for row, idx in zip(probabilities, order)]


def dumps(pipeline) -> bytes:
    import joblib

    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    return buffer.getvalue()


def loads(data: bytes):
    """Only for bytes `dumps` wrote into our own database (unpickling runs code)."""
    import joblib

    _jieba()
    return joblib.load(io.BytesIO(bytes(data)))
