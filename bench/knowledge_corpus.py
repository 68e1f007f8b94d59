"""A deterministic corpus of knowledge articles for the search benchmark: Zipf-distributed words and IT terms.

Words are drawn with a Zipf-like distribution (weight 1 / rank) over a vocabulary of English function words, common
English words, IT terms and a synthetic long tail (product names, hosts, error codes). Bodies are 300 to 3,000 words
(log-uniform: most articles are short), in sentences and paragraphs; titles and tags lean on IT terms. Everything
comes from a seed, chunk by chunk, so both databases get the same articles without holding them all in memory.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta


def _split(words: str) -> list[str]:
    """A word list written as text."""
    return words.split()


FUNCTION_WORDS = _split("""
the of and to a in is that for it as with was on be by this are or from at an not have
which but you they we can will if all has their there been one more when were would so what also may into than its
only other some these then them out any could should must each such our after about most over before where how
""")

COMMON_WORDS = _split("""
use check team service user step time system change new work make need first process data run see
set support time report issue request note find open close start stop update add remove follow ensure confirm review
owner window plan test result error value list line file page version number group level state status access account
role email message notice customer business project risk impact team manager approve approval schedule weekly daily
monthly quarter budget cost value benefit document procedure policy standard normal emergency incident problem known
workaround cause root fix patch release build deploy environment production staging development region site office
power cooling rack floor room building vendor contract licence support ticket queue priority severity escalate call
phone chat portal knowledge article runbook handover lesson learned question answer guide manual instruction section
part detail summary overview context background goal scope owner sponsor stakeholder meeting board decision record
history trend metric target threshold alert alarm monitor dashboard graph chart signal noise health probe ready live
""")

IT_TERMS = _split("""
server database restart gateway payment vpn timeout certificate kubernetes cluster node pod deployment
rollback backup restore latency dns firewall router switch load balancer proxy cache redis postgres oracle mysql
kafka broker topic partition consumer producer offset replica leader failover disk memory cpu swap kernel linux
windows patching reboot hostname subnet vlan ldap sso oauth token password rotation secret vault encryption tls ssl
handshake cipher storage volume snapshot bucket object blob queue worker cron batch job pipeline jenkins gitlab
terraform ansible helm container docker image registry nginx apache tomcat jvm heap garbage collector thread pool
connection socket port packet bandwidth throughput saturation outage degradation capacity autoscaling quota limit
throttling retry circuit breaker idempotent migration schema index query deadlock lock transaction commit replication
lag checkpoint wal vacuum analyze partitioning sharding ingress egress namespace configmap daemonset statefulset
prometheus grafana alertmanager pagerduty syslog journald logrotate filesystem inode mount nfs smb iscsi raid
hypervisor vmware esxi vcenter hyperv openstack aws azure gcp iam s3 ec2 lambda cloudwatch route53 cdn waf ddos
mfa radius kerberos keytab cron ntp chrony clock skew smtp relay spam mailbox exchange outlook printer spooler
driver firmware bios uefi ipmi idle hang crash core dump segfault oom leak spike jitter mtu dhcp lease arp bgp ospf
""")

SYLLABLES = _split("ka ri to ne sa mo lu pe zi da vo fi ga xe qu bra tel mon dor vin sil pax rex tor lyn")


def _place(rnd: random.Random, slots: list[str | None], words: list[str], low: int, high: int) -> None:
    """Put each word at a log-uniform rank in [low, high), the next free one when taken."""
    for word in words:
        rank = int(math.exp(rnd.uniform(math.log(low), math.log(high))))
        while slots[rank] is not None:
            rank += 1
        slots[rank] = word


def _synthetic(rnd: random.Random) -> str:
    shape = rnd.random()
    if shape < 0.85:
        return "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 4)))
    if shape < 0.95:
        role = rnd.choice(["gw", "db", "app", "web"])
        return f"{rnd.choice(SYLLABLES)}{rnd.choice(SYLLABLES)}-{role}-{rnd.randint(1, 40):02d}"
    return f"ERR{rnd.randint(1000, 9999)}"


def vocabulary(seed: int = 7, size: int = 100_000) -> list[str]:
    """Words by Zipf rank: function words first, common words among the first 3,000, IT terms spread log-uniformly
    from rank 150 to 30,000 (so their document frequencies run from about a third of the articles down to a fraction
    of a percent, as a real corpus's do), synthetic words (names, hosts, error codes) everywhere else."""
    rnd = random.Random(seed)
    slots: list[str | None] = [None] * (size + 1000)
    function = list(dict.fromkeys(FUNCTION_WORDS))
    slots[:len(function)] = function
    common = [w for w in dict.fromkeys(COMMON_WORDS) if w not in function]
    _place(rnd, slots, common, len(function), 3_000)
    _place(rnd, slots, [w for w in dict.fromkeys(IT_TERMS) if w not in common and w not in function], 150, 30_000)
    seen = set(filter(None, slots))
    for rank, word in enumerate(slots):
        while word is None:
            candidate = _synthetic(rnd)
            if candidate not in seen:
                seen.add(candidate)
                word = slots[rank] = candidate
    return [w for w in slots if w is not None][:size]


class Corpus:
    """Articles drawn from the vocabulary; `chunk(n, size)` yields the same rows for the same seed and chunk."""

    KINDS = ("how_to", "runbook", "known_error", "lessons_learned", "handover", "faq", "change_review")
    STATUSES = ("published",) * 80 + ("draft",) * 10 + ("in_review",) * 5 + ("retired",) * 5

    def __init__(self, seed: int = 7) -> None:
        self.seed = seed
        self.words = vocabulary(seed)
        self.cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** 1.0 for rank in range(len(self.words))))
        self.it_terms = list(dict.fromkeys(IT_TERMS))
        self.people = [f"person{n:03d}" for n in range(200)]

    def _words(self, rnd: random.Random, n: int) -> list[str]:
        total = self.cumulative[-1]
        cumulative, words, pick = self.cumulative, self.words, bisect.bisect
        return [words[pick(cumulative, rnd.random() * total)] for _ in range(n)]

    def _body(self, rnd: random.Random, n: int) -> str:
        drawn = self._words(rnd, n)
        # A few IT phrases, so phrase queries have something to find beside chance adjacency.
        for _ in range(max(1, n // 600)):
            at = rnd.randrange(len(drawn))
            drawn[at:at] = rnd.sample(self.it_terms, 2)
        paragraphs, sentence, out = [], [], []
        for word in drawn:
            sentence.append(word)
            if len(sentence) >= rnd.randint(8, 20):
                out.append(" ".join(sentence).capitalize() + ".")
                sentence = []
                if len(out) >= rnd.randint(3, 7):
                    paragraphs.append(" ".join(out))
                    out = []
        if sentence:
            out.append(" ".join(sentence).capitalize() + ".")
        if out:
            paragraphs.append(" ".join(out))
        return "\n\n".join(paragraphs)

    def article(self, rnd: random.Random, now: datetime) -> dict:
        """One article row (the columns every version of the articles table has)."""
        length = int(math.exp(rnd.uniform(math.log(300), math.log(3000))))
        title_words = rnd.sample(self.it_terms, rnd.randint(1, 3)) + self._words(rnd, rnd.randint(2, 6))
        rnd.shuffle(title_words)
        author = rnd.choice(self.people)
        updated = now - timedelta(minutes=rnd.randrange(3 * 365 * 24 * 60))
        return {
            "id": uuid.UUID(int=rnd.getrandbits(128), version=4),
            "title": " ".join(title_words).capitalize()[:200],
            "body": self._body(rnd, length),
            "kind": rnd.choice(self.KINDS),
            "status": rnd.choice(self.STATUSES),
            "author": author,
            "owner": author if rnd.random() < 0.7 else rnd.choice(self.people),
            "tags": sorted(set(rnd.sample(self.it_terms, rnd.randint(0, 4)))),
            "project_id": uuid.UUID(int=rnd.getrandbits(128), version=4) if rnd.random() < 0.2 else None,
            "change_id": uuid.UUID(int=rnd.getrandbits(128), version=4) if rnd.random() < 0.2 else None,
            "ci_ids": [],
            "review_due": date(2026, 1, 1) + timedelta(days=rnd.randrange(730)) if rnd.random() < 0.6 else None,
            "needs_refresh": rnd.random() < 0.03,
            "version": 1,
            "created_at": updated - timedelta(days=rnd.randrange(400)),
            "updated_at": updated,
        }

    def chunk(self, index: int, size: int) -> list[dict]:
        """The `index`-th chunk of `size` articles (its own seed: chunks can be made in any order)."""
        rnd = random.Random(self.seed * 1_000_003 + index)
        now = datetime(2026, 12, 1, tzinfo=UTC)
        return [self.article(rnd, now) for _ in range(size)]

    def chunks(self, articles: int, size: int = 2_000) -> Iterator[list[dict]]:
        """Every chunk of a corpus of `articles` articles."""
        for index, start in enumerate(range(0, articles, size)):
            yield self.chunk(index, min(size, articles - start))
