"""The deadline rush (run by bench/portal_load.py): each simulated enterprise user opens its complete draft and
submits it with a double click — two POSTs at the same moment — then leaves.

RUSH_ACCOUNTS names a JSON file of {"session": <session key>, "application": <pk>}, one per user; every request's
name, start (epoch seconds), response time (ms), status and error are written to RUSH_RESULTS when locust quits.

RUSH_MODE=bare runs the same users through the bare baseline instead (bench/loadkit/urls.py ``bare_submit``): open
its form page, then post the form twice at the same moment; each POST inserts a row and an audit row.
"""

import json
import os
import re

import gevent
from locust import HttpUser, constant, events, task
from locust.exception import StopUser

with open(os.environ["RUSH_ACCOUNTS"], encoding="utf-8") as accounts_file:
    ALL_ACCOUNTS = json.load(accounts_file)
ACCOUNTS = iter(ALL_ACCOUNTS)
FINISHED = []
REQUESTS = []
BARE = os.environ.get("RUSH_MODE") == "bare"


@events.request.add_listener
def record(request_type, name, response_time, response_length, response=None, exception=None, start_time=None, **kw):
    status = getattr(response, "status_code", None)
    REQUESTS.append(
        {"name": name, "start": start_time, "ms": response_time, "status": status, "error": str(exception or "")}
    )


@events.quitting.add_listener
def write_results(environment, **kwargs):
    with open(os.environ["RUSH_RESULTS"], "w", encoding="utf-8") as results:
        json.dump(REQUESTS, results, ensure_ascii=False)


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# A new connection per request, as wrk in bench/portal_load.py: with keep-alive, gunicorn's gthread workers, busy
# under a thousand users, close idle connections at the very moment a POST arrives on them (seen as "HTTP 0", a
# failure of the load generator that would count as a lost click).
CLOSE = {"Connection": "close"}


class Submitter(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        account = next(ACCOUNTS, None)
        if account is None:
            raise StopUser()
        self.application = account["application"]
        self.client.cookies.set("sessionid", account["session"])

    @task
    def submit(self):
        page_path = "/bench/bare-submit/" if BARE else f"/applications/{self.application}/"
        with self.client.get(page_path, name="申报详情", headers=CLOSE, catch_response=True) as page:
            match = TOKEN.search(page.text)
            if page.status_code != 200 or match is None or "提交申报" not in page.text:
                page.failure(f"no submit form ({page.status_code})")
                raise StopUser()
        token = match.group(1)
        if BARE:
            post_path, data = page_path, {"reference": str(self.application), "note": os.environ["RUSH_TAG"]}
        else:
            post_path, data = f"/applications/{self.application}/submit/", {}

        def post():
            with self.client.post(
                post_path,
                data={"csrfmiddlewaretoken": token, **data},
                name="提交申报",
                headers=CLOSE,
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302:
                    response.failure(f"HTTP {response.status_code} {response.error or ''}".strip())

        gevent.joinall([gevent.spawn(post), gevent.spawn(post)])
        FINISHED.append(self.application)
        if len(FINISHED) == len(ALL_ACCOUNTS):  # everyone has submitted: end the test rather than wait for --run-time
            gevent.spawn_later(0.5, self.environment.runner.quit)
        raise StopUser()
