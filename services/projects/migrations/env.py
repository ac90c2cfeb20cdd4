from alembic import context
from sqlmodel import SQLModel

from services.common.migrations import run_env
from services.projects import models  # noqa: F401  (registers the tables)
from services.projects.beneficiaries import models as beneficiary_models  # noqa: F401
from services.projects.checks import models as check_models  # noqa: F401

run_env(context, SQLModel.metadata)
