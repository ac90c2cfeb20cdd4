from alembic import context
from sqlmodel import SQLModel

from services.common.migrations import run_env
from services.jobs.employment import models as employment  # noqa: F401  (each registers its tables)
from services.jobs.posts import models as posts  # noqa: F401
from services.jobs.training import models as training  # noqa: F401

run_env(context, SQLModel.metadata)
