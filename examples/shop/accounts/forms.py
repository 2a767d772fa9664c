from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

PLANS = [("free", "Free"), ("plus", "Plus"), ("pro", "Pro")]


class SignupForm(UserCreationForm):
    email = forms.EmailField()
    first_name = forms.CharField(max_length=150)
    plan = forms.ChoiceField(choices=PLANS, initial="free")
    analytics_consent = forms.BooleanField(
        required=False,
        label="Help us improve the shop with usage statistics",
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email", "first_name")


class ProfileForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ("first_name", "last_name", "email")
