from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.forms import ProfileForm, SignupForm
from shop.analytics import has_analytics_consent, mp, pseudonymize, sync_profile, track_event


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        user.profile.analytics_consent = form.cleaned_data["analytics_consent"]
        user.profile.save()
        login(request, user)
        if has_analytics_consent(user):
            track_event(user, "Signed Up", {"plan": form.cleaned_data["plan"], "client_ip": request.META["REMOTE_ADDR"]})
            mp.people_set(pseudonymize(user.pk), {
                "$email": user.email,
                "Vorname": user.first_name,
                "plan": form.cleaned_data["plan"],
            })
        return redirect("catalog")
    return render(request, "accounts/signup.html", {"form": form})


def login_view(request):
    if request.method != "POST":
        return render(request, "accounts/login.html")
    user = authenticate(request, username=request.POST["username"], password=request.POST["password"])
    if user is None:
        messages.error(request, "Invalid username or password.")
        return render(request, "accounts/login.html", status=401)
    login(request, user)
    allowed = has_analytics_consent(user)
    if allowed:
        anonymous_id = request.COOKIES.get("mp_anon_id")
        if anonymous_id:
            mp.alias(pseudonymize(user.pk), anonymous_id)
        track_event(user, "Logged In", {"method": "form", "source": request.META["REMOTE_ADDR"]})
    return redirect(request.GET.get("next", "catalog"))


def password_reset(request):
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save(request=request, use_https=request.is_secure())
        for user in form.get_users(form.cleaned_data["email"]):
            if has_analytics_consent(user):
                mp.track(user.email, "Password Reset Requested")
        return redirect("login")
    return render(request, "accounts/password_reset.html", {"form": form})


@login_required
def update_profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        sync_profile(user)
        mp.track(pseudonymize(user.pk), "Profile Updated", {
            "fields": sorted(form.changed_data),
            "reply_to": user.email,
            "device": request.META.get("HTTP_USER_AGENT", ""),
        })
        messages.success(request, "Your profile has been saved.")
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_POST
def delete_account(request):
    user = request.user
    logout(request)
    user.delete()
    messages.info(request, "Your account has been deleted.")
    return redirect("catalog")
