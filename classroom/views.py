"""A class's pages: opening one, the teacher's view, joining, and a student's playground.

Teachers need no account: opening a class gives a secret teacher's link (its key kept only as a
digest, codes.py), and the browser that opened it or followed it keeps the key in its session,
so the view's own address (on the projector) shows no secret. Students need no account either:
a display name and the class code; their seat is their browser session, so a reload or a later
visit lands on the same seat (seats.py).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_POST, require_safe

from kernels import asking, bus
from playground import clients, edge, examples

from . import closing, codes, lesson, seats, warm
from .apps import class_limits
from .forms import JoinForm, OpenClassForm
from .models import Classroom, Seat
from .starting import StartingCodeError, starting_code


@require_safe
def new_class(request: HttpRequest) -> HttpResponse:
    return render(request, "classroom/new.html", {"form": OpenClassForm(), "limits": class_limits()})


@require_POST
async def open_class(request: HttpRequest) -> HttpResponse:
    refusal = _refused(request, "class-open")
    if refusal is not None:
        return refusal
    form = await sync_to_async(_bound_form)(request)
    if form.is_valid():
        try:
            source = await starting_code(request, form.cleaned_data)
            parsed = lesson.parse(source)
        except (StartingCodeError, lesson.LessonError) as exc:
            form.add_error(None, str(exc))
        else:
            return await sync_to_async(_open)(request, form.cleaned_data, parsed)
    context = {"form": form, "limits": class_limits()}
    return await sync_to_async(render)(request, "classroom/new.html", context, status=400)


def _bound_form(request: HttpRequest) -> OpenClassForm:
    form = OpenClassForm(request.POST, request.FILES)
    form.is_valid()
    return form


def _open(request: HttpRequest, data: dict, parsed: lesson.Lesson) -> HttpResponse:
    closing.sweep()
    classroom, key = Classroom.objects.open_class(
        data["name"], parsed.student_code, parsed.checks, data["seats"], class_limits().hours
    )
    _remember_teacher(request, classroom.code, key)
    warm.hold(classroom.code, classroom.seats, class_limits().warm_minutes * 60)
    return HttpResponseRedirect(reverse("class-teach", args=[classroom.code]))


@require_safe
def teacher_link(request: HttpRequest, key: str) -> HttpResponse:
    """The teacher's secret link: this browser teaches the class from now on."""
    classroom = Classroom.objects.open_by_key(key)
    if classroom is None:
        return _not_taught(request, None)
    _remember_teacher(request, classroom.code, key)
    return HttpResponseRedirect(reverse("class-teach", args=[classroom.code]))


@require_safe
def teacher_page(request: HttpRequest, code: str) -> HttpResponse:
    classroom, key = _taught(request, code)
    if classroom is None:
        return _not_taught(request, code)
    context = {
        "classroom": classroom,
        "student_url": request.build_absolute_uri(reverse("class-join-page", args=[classroom.code])),
        "teacher_url": request.build_absolute_uri(reverse("class-teacher-link", args=[key])),
        "exercises": list(classroom.checks),
        "limits": class_limits(),
    }
    return render(request, "classroom/teacher.html", context)


@require_safe
def present_page(request: HttpRequest, code: str) -> HttpResponse:
    """The teacher's own playground: students who follow it see its editor and runs live."""
    classroom, _ = _taught(request, code)
    if classroom is None:
        return _not_taught(request, code)
    owner = bus.owner_for(clients.ensure_issued_session(request))
    if classroom.presenter_owner != owner:
        classroom.presenter_owner = owner
        classroom.save(update_fields=["presenter_owner"])
    context = {
        "classroom": classroom,
        "class_token": seats.presenter_token(classroom.code, owner),
        "examples": examples.for_language(get_language()),
    }
    return render(request, "classroom/present.html", context)


@require_safe
async def teacher_runs(request: HttpRequest, code: str) -> HttpResponse:
    """For a student who starts following: the teacher's playground's runs so far."""
    classroom = await Classroom.objects.filter(code=code, closed_at__isnull=True).afirst()
    seat = await sync_to_async(_seat_of)(request, classroom) if classroom is not None else None
    if classroom is None or seat is None:
        return JsonResponse({"error": "Only the class's students may follow its teacher."}, status=403)
    if not classroom.presenter_owner:
        return JsonResponse({"runs": [], "dropped": 0})
    try:
        return JsonResponse(await asking.record_of(classroom.presenter_owner, timeout_s=5.0))
    except TimeoutError:
        return JsonResponse({"error": "The teacher's kernel server did not answer in time."}, status=504)


@require_POST
def close_class(request: HttpRequest, code: str) -> HttpResponse:
    classroom, _ = _taught(request, code)
    if classroom is None:
        return _not_taught(request, code)
    closing.close(classroom)
    return HttpResponseRedirect(reverse("class-join-page", args=[classroom.code]))


@require_safe
def join_page(request: HttpRequest, code: str) -> HttpResponse:
    """The class's link: the join form, or, for a student with a seat, their playground."""
    refusal = _refused(request, "class-join-page")
    if refusal is not None:
        return refusal
    closing.sweep()
    classroom = Classroom.objects.open_by_code(codes.normalize(code))
    if classroom is None:
        return _no_class(request, code)
    if classroom.code != code:
        return HttpResponseRedirect(reverse("class-join-page", args=[classroom.code]))
    seat = _seat_of(request, classroom)
    if seat is None:
        return render(request, "classroom/join.html", {"classroom": classroom, "form": JoinForm()})
    return _student_page(request, classroom, seat)


@require_POST
def join(request: HttpRequest, code: str) -> HttpResponse:
    refusal = _refused(request, "class-join")
    if refusal is not None:
        return refusal
    classroom = Classroom.objects.open_by_code(codes.normalize(code))
    if classroom is None:
        return _no_class(request, code)
    form = JoinForm(request.POST)
    if not form.is_valid():
        return render(request, "classroom/join.html", {"classroom": classroom, "form": form}, status=400)
    # The new session and the seat in one commit (a class of 50 joins at once, and each commit
    # waits for the disk); the session's data is saved with its cookie as the answer goes.
    with transaction.atomic():
        seat = _seat_for(request, classroom, form.cleaned_data["name"])
    if seat is None:
        form.add_error(None, f"The class is full: its {classroom.seats} seats are taken. Ask your teacher.")
        return render(request, "classroom/join.html", {"classroom": classroom, "form": form}, status=409)
    request.session[seats.STUDENT_KEY] = {"code": classroom.code, "seat": seat.pk}
    closing.announce_seat(classroom.code, seat)
    return HttpResponseRedirect(reverse("class-join-page", args=[classroom.code]))


@require_safe
async def seat_record(request: HttpRequest, code: str, seat_id: int) -> HttpResponse:
    """A student's session as they see it, read-only, for their class's teacher alone."""
    classroom, _ = await sync_to_async(_taught)(request, code)
    seat = await Seat.objects.filter(classroom=classroom, pk=seat_id).afirst() if classroom else None
    if seat is None:
        return JsonResponse({"error": "There is no such student in this class."}, status=404)
    try:
        record = await asking.record_of(seat.owner, timeout_s=5.0)
    except TimeoutError:
        return JsonResponse({"error": "The student's kernel server did not answer in time."}, status=504)
    return JsonResponse({"name": seat.name, "record": record})


def class_token(request: HttpRequest) -> str | None:
    """The websocket token of the class this browser is in (seats.py); None outside any class."""
    joined = request.session.get(seats.STUDENT_KEY)
    if not isinstance(joined, dict) or seats.is_closed(str(joined.get("code"))):
        return None
    key = clients.ensure_issued_session(request)
    return seats.token(str(joined["code"]), int(joined["seat"]), bus.owner_for(key))


def _student_page(request: HttpRequest, classroom: Classroom, seat: Seat) -> HttpResponse:
    context = {
        "classroom": classroom,
        "seat": seat,
        "class_token": class_token(request),
        "examples": examples.for_language(get_language()),
    }
    return render(request, "classroom/student.html", context)


def _seat_for(request: HttpRequest, classroom: Classroom, name: str) -> Seat | None:
    """This browser's seat in the class, named `name` (taken now if it had none); None when full."""
    owner = bus.owner_for(clients.ensure_issued_session(request))
    seat = Seat.objects.filter(classroom=classroom, owner=owner).first()
    if seat is None and classroom.seat_set.count() >= classroom.seats:
        return None
    if seat is None:
        try:
            with transaction.atomic():  # a savepoint: the same browser, twice at once
                return Seat.objects.create(classroom=classroom, owner=owner, name=name)
        except IntegrityError:
            seat = Seat.objects.get(classroom=classroom, owner=owner)
    if seat.name != name:
        seat.name = name
        seat.save(update_fields=["name"])
    return seat


def _seat_of(request: HttpRequest, classroom: Classroom) -> Seat | None:
    joined = request.session.get(seats.STUDENT_KEY)
    if not isinstance(joined, dict) or joined.get("code") != classroom.code or not isinstance(joined.get("seat"), int):
        return None
    owner = bus.owner_for(clients.ensure_issued_session(request))
    return Seat.objects.filter(classroom=classroom, pk=joined["seat"], owner=owner).first()


def _remember_teacher(request: HttpRequest, code: str, key: str) -> None:
    clients.ensure_issued_session(request)
    teaching = dict(request.session.get(seats.TEACHER_KEY) or {})
    teaching[code] = key
    request.session[seats.TEACHER_KEY] = teaching


def _taught(request: HttpRequest, code: str) -> tuple[Classroom | None, str]:
    """The open class `code` if this browser teaches it, with its teacher key."""
    return seats.taught(request.session, code)


def _no_class(request: HttpRequest, code: str) -> HttpResponse:
    """A student's link to no open class: 404 for a code that never was one, 410 for a class that
    has closed (one past its hours is closed now, its roster forgotten)."""
    classroom = Classroom.objects.filter(code=codes.normalize(code) or "").first()
    if classroom is not None and classroom.closed_at is None:
        closing.close(classroom)
    context = {"code": code, "closed": classroom is not None}
    return render(request, "classroom/no_class.html", context, status=410 if classroom is not None else 404)


def _not_taught(request: HttpRequest, code: str | None) -> HttpResponse:
    """A teacher's page this browser does not teach (or of a class closed): nothing to say more."""
    return render(request, "classroom/no_class.html", {"code": code, "closed": False}, status=404)


def _refused(request: HttpRequest, url_name: str) -> HttpResponse | None:
    try:
        edge.check(request, url_name)
    except edge.Refused as exc:
        return exc.response()
    return None
