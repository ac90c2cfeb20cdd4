from alembic import context
from sqlmodel import SQLModel

from gateway import models  # noqa: F401  (registers the tables)
from services.common.migrations import run_env

run_env(context, SQLModel.metadata)
