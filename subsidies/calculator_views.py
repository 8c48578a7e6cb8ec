"""The public policy calculator page (no login)."""

from django.shortcuts import render

from . import calculator


def policy_calculator(request):
    form, answer = calculator.calculate(request.GET)
    return render(request, "policy/calculator.html", {"form": form, "answer": answer})
