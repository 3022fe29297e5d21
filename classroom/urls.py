"""A class's addresses (docs/classes.md): short ones for students, a secret one for the teacher."""

from django.urls import path

from . import views

urlpatterns = [
    path("class/new", views.new_class, name="class-new"),
    path("class/open", views.open_class, name="class-open"),
    path("class/<str:code>/teach", views.teacher_page, name="class-teach"),
    path("class/<str:code>/close", views.close_class, name="class-close"),
    path("class/<str:code>/present", views.present_page, name="class-present"),
    path("class/<str:code>/seats/<int:seat_id>/record", views.seat_record, name="class-seat-record"),
    path("t/<str:key>", views.teacher_link, name="class-teacher-link"),
    path("c/<str:code>", views.join_page, name="class-join-page"),
    path("c/<str:code>/join", views.join, name="class-join"),
    path("c/<str:code>/teacher", views.teacher_runs, name="class-teacher-runs"),
]
