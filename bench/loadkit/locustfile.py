"""The deadline rush (run by bench/portal_load.py): each simulated enterprise user opens its complete draft and
submits it with a double click — two POSTs at the same moment — then leaves.

RUSH_ACCOUNTS names a JSON file of {"session": <session key>, "application": <pk>}, one per user; every request's
name, response time (ms), status and error are written to RUSH_RESULTS when locust quits.
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


@events.request.add_listener
def record(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    status = getattr(response, "status_code", None)
    REQUESTS.append({"name": name, "ms": response_time, "status": status, "error": str(exception or "")})


@events.quitting.add_listener
def write_results(environment, **kwargs):
    with open(os.environ["RUSH_RESULTS"], "w", encoding="utf-8") as results:
        json.dump(REQUESTS, results, ensure_ascii=False)


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


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
        with self.client.get(f"/applications/{self.application}/", name="申报详情", catch_response=True) as page:
            match = TOKEN.search(page.text)
            if page.status_code != 200 or match is None or "提交申报" not in page.text:
                page.failure(f"no submit form ({page.status_code})")
                raise StopUser()
        token = match.group(1)

        def post():
            with self.client.post(
                f"/applications/{self.application}/submit/",
                data={"csrfmiddlewaretoken": token},
                name="提交申报",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302:
                    response.failure(f"HTTP {response.status_code}")

        gevent.joinall([gevent.spawn(post), gevent.spawn(post)])
        FINISHED.append(self.application)
        if len(FINISHED) == len(ALL_ACCOUNTS):  # everyone has submitted: end the test rather than wait for --run-time
            gevent.spawn_later(0.5, self.environment.runner.quit)
        raise StopUser()
