from alembic import context
from sqlmodel import SQLModel

from services.common.migrations import run_env
from services.oversight import models  # noqa: F401  (registers the tables)

run_env(context, SQLModel.metadata)
