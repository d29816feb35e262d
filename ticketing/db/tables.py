"""Every ticketing table, registered on :data:`ticketing.db.base.Base.metadata` by importing the feature
folders' ``models`` modules. Whatever needs the whole schema (migrations, sessions resolving foreign keys
across features, the schema test) imports :data:`METADATA` from here."""

from __future__ import annotations

from sqlalchemy import MetaData

from ticketing.accounts import models as _accounts
from ticketing.agents import models as _agents
from ticketing.attachments import models as _attachments
from ticketing.calendar import models as _calendar
from ticketing.calls import models as _calls
from ticketing.countersign import models as _countersign
from ticketing.db.base import Base
from ticketing.departments import models as _departments
from ticketing.knowledge import models as _knowledge
from ticketing.outbound import models as _outbound
from ticketing.repeats import models as _repeats
from ticketing.statistics import models as _statistics
from ticketing.supervision import models as _supervision
from ticketing.surveys import models as _surveys
from ticketing.surveys.twilio import models as _sms_receipts
from ticketing.tickets import models as _tickets

FEATURE_MODELS = (
    _accounts,
    _agents,
    _attachments,
    _calendar,
    _calls,
    _countersign,
    _departments,
    _knowledge,
    _outbound,
    _repeats,
    _statistics,
    _supervision,
    _surveys,
    _sms_receipts,
    _tickets,
)
"""The modules whose tables make up the schema (kept referenced so the imports are not "unused")."""

METADATA: MetaData = Base.metadata
