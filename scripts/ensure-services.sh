#!/usr/bin/env bash
# Make sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are running for the test suite:
# start them if they are stopped, install them from Debian's packages if they are absent.
set -euo pipefail

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! pg_up; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "PostgreSQL is not installed: installing it from Debian's packages"
    apt_install postgresql
  fi
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then
    echo "No PostgreSQL cluster found under /etc/postgresql" >&2
    exit 1
  fi
  echo "Starting PostgreSQL $version"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "PostgreSQL did not start" >&2; exit 1; }
fi
# The tests log in as postgres/postgres over TCP. Trust authentication ignores the password; a new Debian
# install asks for one, so give the postgres role that password once.
if ! PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
  echo "Setting the local postgres role's password for the test suite"
  (cd / && $SUDO -u postgres psql -q -c "ALTER ROLE postgres PASSWORD 'postgres'" 2>/dev/null) \
    || (cd / && su postgres -c "psql -q -c \"ALTER ROLE postgres PASSWORD 'postgres'\"")
fi

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! redis_up; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "Redis is not installed: installing it from Debian's packages"
    apt_install redis-server
  fi
  echo "Starting Redis"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { echo "Redis did not start" >&2; exit 1; }
fi
echo "PostgreSQL $(psql -h 127.0.0.1 -U postgres -tAc 'SHOW server_version' 2>/dev/null || PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -tAc 'SHOW server_version') and Redis $(redis-cli -h 127.0.0.1 info server | grep redis_version | cut -d: -f2 | tr -d '\r') are up"
