"""Between's service: the layers that compose channels/ and moderation/ into a program's rooms and queue.

Bottom to top: ``protocol`` and ``base`` → ``stores`` → ``actions`` → ``http`` | ``realtime`` → ``app``
→ ``cli``. Each subpackage's docstring says what lives there and what it may import; the rule is
checked by ``tests/unit/test_layers.py``.
"""
