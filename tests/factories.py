"""factory_boy factories: catalog, publishing and licensing rows as the real pipeline leaves them.

Uploading, verifying, scanning and approving a package (``publish`` in
``tests/conftest.py``) is what the pipeline tests are about; tests that only need
catalog data build it here instead, straight in the database.

The rows are consistent with what the pipeline writes:

* :class:`ReleaseFactory` builds and inspects a real signed package (about 2 ms)
  from a manifest made of its package's fields, and takes the release columns
  from ``publishing.services._release_fields``, the function the upload uses;
  so ``manifest``, ``listing``, ``readme``, ``permissions``, ``compatibility``,
  ``artifact_sha256``, ``size``, ``signatures`` and ``key_fingerprint`` are those
  of that package. With ``stored=True`` the package file is also saved in the
  ``packages`` storage, where approval puts it.
* A published release (``published_at`` set, the default) updates its package
  as ``moderation.services.submission_approve`` does: the greatest stable
  release becomes ``latest_release`` and its listing fields are copied onto the
  package with ``catalog.services.package_apply_release``; the package becomes
  ``published``.

Field values passed to a factory win over the computed ones; use that only for
rows the pipeline cannot make (e.g. a release whose compatibility is nonsense).
No audit log entry, e-mail, scan finding or wrapped copy is made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import argent_pkg as pkgformat
import factory
import nacl.signing
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone
from factory.django import DjangoModelFactory

from catalog.constants import ListingStatus, MemberRole, Pricing
from catalog.models import (
    Category,
    Download,
    Install,
    Kind,
    Package,
    Publisher,
    PublisherMember,
    Release,
    Review,
    Watch,
)
from licensing.constants import LicenseStatus, PaymentKind, PaymentStatus, SubscriptionStatus
from licensing.licenses import DEFAULT_TRIAL_DAYS
from licensing.models import Activation, ConnectedAccount, License, Payment, Plan, Subscription
from publishing.constants import Severity, SubmissionStatus
from publishing.models import ScanFinding, SigningKey, Submission
from tests.conftest import PASSWORD, default_manifest, public_key_b64

#: Private keys of the signing keys made by :class:`SigningKeyFactory`, by public key (base64).
PRIVATE_KEYS: dict[str, nacl.signing.SigningKey] = {}

#: The description of ``build_pkg``'s packages (``tests.conftest.default_manifest``), the factories' default.
DEFAULT_DESCRIPTION = default_manifest()["description"]


# --- people ------------------------------------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    """A user who logs in with ``<username>@example.com`` and ``tests.conftest.PASSWORD``.

    Like ``tests.conftest.make_user``: a verified primary e-mail address
    (``email_verified=False`` for an unverified one); no subscription, so the
    Free plan (``plan="pro"`` gives an active subscription to that seeded plan).
    """

    class Meta:
        model = settings.AUTH_USER_MODEL
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def email_verified(obj, create, extracted, **kwargs):
        if create:
            from allauth.account.models import EmailAddress

            verified = True if extracted is None else bool(extracted)
            EmailAddress.objects.create(user=obj, email=obj.email, verified=verified, primary=True)

    @factory.post_generation
    def plan(obj, create, extracted, **kwargs):
        if create and extracted:
            SubscriptionFactory(user=obj, plan__slug=extracted)


# --- catalog ------------------------------------------------------------------------------------------


class PublisherFactory(DjangoModelFactory):
    """A publisher; ``owner=user`` also makes ``user`` its owner (as ``publisher_create`` does)."""

    class Meta:
        model = Publisher
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"publisher-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())

    @factory.post_generation
    def owner(obj, create, extracted, **kwargs):
        if create and extracted is not None:
            PublisherMemberFactory(publisher=obj, user=extracted, role=MemberRole.OWNER)


class PublisherMemberFactory(DjangoModelFactory):
    """A user's membership of a publisher (role ``member`` unless given)."""

    class Meta:
        model = PublisherMember

    publisher = factory.SubFactory(PublisherFactory)
    user = factory.SubFactory(UserFactory)
    role = MemberRole.MEMBER


class KindFactory(DjangoModelFactory):
    """A kind; the seeded row when ``slug`` is one of the seeded kinds (``connector`` by default)."""

    class Meta:
        model = Kind
        django_get_or_create = ("slug",)

    slug = "connector"
    name = factory.LazyAttribute(lambda o: o.slug.title())
    plural = factory.LazyAttribute(lambda o: f"{o.slug}s")
    install_target = factory.LazyAttribute(lambda o: f"{o.plural}/ID/")


class CategoryFactory(DjangoModelFactory):
    """A category; the seeded row when ``slug`` is one of the seeded ones (``integration`` by default)."""

    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = "integration"
    name = factory.LazyAttribute(lambda o: o.slug.title())


class SigningKeyFactory(DjangoModelFactory):
    """A registered Ed25519 key of a fresh key pair; its private key is kept in :data:`PRIVATE_KEYS`.

    Pass ``private_key`` (a ``nacl.signing.SigningKey``) to register that key instead.
    """

    class Meta:
        model = SigningKey

    class Params:
        private_key = factory.LazyFunction(nacl.signing.SigningKey.generate)

    publisher = factory.SubFactory(PublisherFactory)
    label = "laptop"
    public_key = factory.LazyAttribute(lambda o: _remember(o.private_key))
    fingerprint = factory.LazyAttribute(
        lambda o: pkgformat.fingerprint(pkgformat.decode_public_key(o.public_key))
    )


def _remember(private_key: nacl.signing.SigningKey) -> str:
    """Keep ``private_key`` in :data:`PRIVATE_KEYS`; returns its public key (standard base64)."""
    public_key = public_key_b64(private_key)
    PRIVATE_KEYS[public_key] = private_key
    return public_key


def private_key_for(key: SigningKey) -> nacl.signing.SigningKey:
    """The private key of ``key``, a row made by :class:`SigningKeyFactory`.

    Raises:
        LookupError: ``key`` was registered some other way: pass ``private_key`` to the factory.
    """
    try:
        return PRIVATE_KEYS[key.public_key]
    except KeyError:
        raise LookupError(
            f"No private key for {key.fingerprint}: pass private_key= (e.g. author.signing_key)."
        ) from None


class PackageFactory(DjangoModelFactory):
    """A listing without releases, as an upload leaves a new package before approval (``submitted``).

    Its listing fields are the input of its releases' manifests (see :class:`ReleaseFactory`);
    the defaults are those of a package made by ``build_pkg`` (description, README, license
    and homepage).
    """

    class Meta:
        model = Package
        skip_postgeneration_save = True

    identifier = factory.Sequence(lambda n: f"package-{n}")
    display_name = factory.LazyAttribute(lambda o: o.identifier.replace("-", " ").title())
    publisher = factory.SubFactory(PublisherFactory)
    kind = factory.SubFactory(KindFactory)
    category = factory.SubFactory(CategoryFactory)
    description = DEFAULT_DESCRIPTION
    readme = factory.LazyAttribute(lambda o: f"# {o.display_name}\n\nBuilt by the test suite.\n")
    license = "MIT"
    homepage = factory.LazyAttribute(lambda o: f"https://example.com/{o.identifier}")
    status = ListingStatus.SUBMITTED


class ReleaseFactory(DjangoModelFactory):
    """A release of ``package``: the columns of a real signed package built from the package's fields.

    The manifest is ``tests.conftest.default_manifest`` with the package's identifier,
    display name, kind, category, tags, tagline, description, license, pricing, price,
    homepage and repository (those that are set), ``version``, no permissions for a kind
    that allows none, and then ``manifest_fields`` (``None`` removes a field). The members
    are those of ``tests.conftest.default_members``, with the package's ``readme`` as
    ``README.md`` (none when it is empty), plus ``extra_members`` (path -> bytes).

    Args (besides the model's fields):
        private_key: the ``nacl.signing.SigningKey`` of ``signing_key``; found in
            :data:`PRIVATE_KEYS` when the key row came from :class:`SigningKeyFactory`.
        stored: also save the package file in the ``packages`` storage (``artifact``).
        published_at: ``None`` for a release still in review (the package is left alone).
    """

    class Meta:
        model = Release

    class Params:
        manifest_fields = factory.LazyFunction(dict)
        extra_members = factory.LazyFunction(dict)
        private_key = factory.LazyAttribute(lambda o: private_key_for(o.signing_key))

    package = factory.SubFactory(PackageFactory)
    version = "1.0.0"
    signing_key = factory.SubFactory(
        SigningKeyFactory, publisher=factory.SelfAttribute("..package.publisher")
    )
    published_at = factory.LazyFunction(timezone.now)
    # Popped in _create: the built package, and whether to store its file.
    built = factory.LazyAttribute(lambda o: _build(o))
    stored = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from publishing.services import _release_fields

        built: BuiltArtifact = kwargs.pop("built")
        stored = kwargs.pop("stored")
        for name, value in _release_fields(built.inspection, kwargs["signing_key"]).items():
            kwargs.setdefault(name, value)
        if stored:
            package = kwargs["package"]
            filename = pkgformat.package_filename(built.inspection.manifest)
            kwargs["artifact"] = storages["packages"].save(
                f"{package.identifier}/{filename}", ContentFile(built.data)
            )
        release = super()._create(model_class, *args, **kwargs)
        if release.published_at is not None:
            _approve(release)
        return release


@dataclass
class BuiltArtifact:
    """A package built for a release: its bytes and their inspection (``pkgformat.Inspection``)."""

    data: bytes
    inspection: pkgformat.Inspection


def _permissions_allowed(kind: Kind) -> bool:
    return "network:<host>" in kind.permissions


def release_manifest(package: Package, version: str, **fields) -> dict:
    """The manifest a release ``version`` of ``package`` carries (see :class:`ReleaseFactory`)."""
    listing = {
        "id": package.identifier,
        "name": package.display_name,
        "version": version,
        "kind": package.kind.slug,
        "category": package.category.slug,
        "description": package.description or DEFAULT_DESCRIPTION,
        "tagline": package.tagline or None,
        "tags": list(package.tags) or None,
        "license": package.license or None,
        "pricing": package.pricing,
        "price_cents": package.price_cents if package.pricing != Pricing.FREE else None,
        "trial_days": DEFAULT_TRIAL_DAYS if package.pricing == Pricing.TRIAL else None,
        "homepage": package.homepage or None,
        "repository": package.repository or None,
    }
    if not _permissions_allowed(package.kind):
        listing["permissions"] = None
    return default_manifest(**{**listing, **fields})


def _build(o) -> BuiltArtifact:
    """Build and inspect the package of the release being made (``o``: the factory's resolver)."""
    from tests.conftest import default_members

    manifest = release_manifest(o.package, o.version, **o.manifest_fields)
    members = default_members(manifest)
    if o.package.readme:
        members["README.md"] = o.package.readme.encode()
    else:
        del members["README.md"]
    members.update(o.extra_members)
    # The rules of the package's kind only, as publishing.services.kind_rules() gives them (no query).
    kind = o.package.kind
    kinds = {
        kind.slug: pkgformat.KindRule(install_target=kind.install_target, permissions=tuple(kind.permissions))
    }
    data = pkgformat.build_package(members, signing_key=o.private_key, kinds=kinds)
    return BuiltArtifact(data=data, inspection=pkgformat.inspect_package(data, kinds=kinds))


def _approve(release: Release) -> None:
    """Update the package as approving ``release`` does (``moderation.services.submission_approve``)."""
    from catalog.services import package_apply_release
    from moderation.services import latest_version

    package = release.package
    latest = latest_version(package)
    if latest is not None and latest.pk == release.pk:
        package_apply_release(package=package, release=release)
    package.latest_release = latest or package.latest_release or release
    package.status = ListingStatus.PUBLISHED
    package.published_at = package.published_at or release.published_at
    package.save()


class PublishedPackageFactory(PackageFactory):
    """A published listing with one published release (``release__<field>`` passes fields to it).

    ``published_at`` is the listing's first publication and, unless
    ``release__published_at`` says otherwise, its release's. A ``status`` given
    (e.g. ``suspended``) is set after the release is published.
    """

    status = ListingStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    release = factory.RelatedFactory(
        ReleaseFactory, factory_related_name="package", published_at=factory.SelfAttribute("..published_at")
    )

    @factory.post_generation
    def keep_status(obj, create, extracted, **kwargs):
        # Declared after ``release``, so it runs after the release published the listing.
        if create and obj.status != obj._factory_status:
            obj.status = obj._factory_status
            obj.save(update_fields=["status", "updated_at"])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        package = super()._create(model_class, *args, **kwargs)
        package._factory_status = package.status
        return package


class DownloadFactory(DjangoModelFactory):
    """One download of a release (``created_at`` is set by the database: update it afterwards)."""

    class Meta:
        model = Download

    release = factory.SubFactory(ReleaseFactory)
    dialect = "mkt"


class InstallFactory(DjangoModelFactory):
    """One install of a package's latest release, for ``user`` (a new user unless given)."""

    class Meta:
        model = Install

    package = factory.SubFactory(PublishedPackageFactory)
    release = factory.LazyAttribute(lambda o: o.package.latest_release)
    user = factory.SubFactory(UserFactory)


class ReviewFactory(DjangoModelFactory):
    """A review row (the rating average on the package is ``catalog.reviews``' job, not done here)."""

    class Meta:
        model = Review

    package = factory.SubFactory(PublishedPackageFactory)
    user = factory.SubFactory(UserFactory)
    rating = 4
    text = "Works well."


class WatchFactory(DjangoModelFactory):
    """A user watching a package."""

    class Meta:
        model = Watch

    package = factory.SubFactory(PublishedPackageFactory)
    user = factory.SubFactory(UserFactory)


# --- publishing ----------------------------------------------------------------------------------------


class SubmissionFactory(DjangoModelFactory):
    """The submission of ``release`` (an unpublished one by default), as the upload records it.

    ``status`` defaults to ``approved`` for a published release and ``pending`` otherwise;
    the ``upload`` names a quarantine file that is not written.
    """

    class Meta:
        model = Submission

    release = factory.SubFactory(ReleaseFactory, published_at=None)
    package = factory.SelfAttribute("release.package")
    publisher = factory.SelfAttribute("package.publisher")
    status = factory.LazyAttribute(
        lambda o: SubmissionStatus.APPROVED if o.release.published_at else SubmissionStatus.PENDING
    )
    upload = factory.LazyAttribute(
        lambda o: (
            f"{o.publisher.slug}/{o.package.identifier}/{o.release.version}/"
            f"{o.release.artifact_sha256}.argent-pkg"
        )
    )
    upload_sha256 = factory.SelfAttribute("release.artifact_sha256")
    upload_size = factory.SelfAttribute("release.size")
    filename = factory.LazyAttribute(lambda o: o.release.filename)
    checked_at = factory.LazyFunction(timezone.now)


class ScanFindingFactory(DjangoModelFactory):
    """One finding of the automatic checks."""

    class Meta:
        model = ScanFinding

    submission = factory.SubFactory(SubmissionFactory)
    code = "rule.test"
    severity = Severity.MEDIUM
    message = "Something the test wants found."


# --- licensing -----------------------------------------------------------------------------------------


class PlanFactory(DjangoModelFactory):
    """A plan; the seeded row for a seeded slug (``pro`` by default)."""

    class Meta:
        model = Plan
        django_get_or_create = ("slug",)

    slug = "pro"
    name = factory.LazyAttribute(lambda o: o.slug.title())


class SubscriptionFactory(DjangoModelFactory):
    """An active subscription of a user to a plan (Pro unless given)."""

    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    plan = factory.SubFactory(PlanFactory)
    status = SubscriptionStatus.ACTIVE


class ConnectedAccountFactory(DjangoModelFactory):
    """A publisher's Stripe account that can take charges and pay out."""

    class Meta:
        model = ConnectedAccount

    publisher = factory.SubFactory(PublisherFactory)
    stripe_account_id = factory.LazyAttribute(lambda o: f"acct_test_{o.publisher.slug.replace('-', '')}")
    details_submitted = True
    charges_enabled = True
    payouts_enabled = True


class LicenseFactory(DjangoModelFactory):
    """An active license, with term and cap as ``licensing.licenses.license_issue`` gives them.

    The key in clear is on the instance as ``key`` (it is stored only encrypted).
    """

    class Meta:
        model = License

    class Params:
        start = factory.LazyFunction(timezone.now)

    package = factory.SubFactory(PublishedPackageFactory, pricing=Pricing.PRO, price_cents=1900)
    owner = factory.SubFactory(UserFactory)
    pricing = factory.SelfAttribute("package.pricing")
    key = factory.LazyFunction(lambda: _keys().generate_key())
    key_hmac = factory.LazyAttribute(lambda o: _keys().key_hmac(o.key))
    key_encrypted = factory.LazyAttribute(lambda o: _keys().encrypt_key(o.key))
    key_last4 = factory.LazyAttribute(lambda o: _keys().last4(o.key))
    status = LicenseStatus.ACTIVE
    starts_at = factory.SelfAttribute("start")
    expires_at = factory.LazyAttribute(lambda o: _term_end(o.package, o.pricing, o.start))
    activations_limit = factory.LazyAttribute(lambda o: _activations(o.pricing))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        key = kwargs.pop("key")
        license = super()._create(model_class, *args, **kwargs)
        license.key = key
        return license


def _keys():
    from licensing import keys

    return keys


def _term_end(package: Package, pricing: str, start: dt.datetime) -> dt.datetime | None:
    from licensing.licenses import term_end

    return term_end(package=package, pricing=pricing, start=start)


def _activations(pricing: str) -> int | None:
    from licensing.licenses import TERMS

    return TERMS[Pricing(pricing)].activations


def _application_fee(amount_cents: int) -> int:
    from licensing.fees import application_fee

    return application_fee(amount_cents)


class ActivationFactory(DjangoModelFactory):
    """An active activation of a license."""

    class Meta:
        model = Activation

    license = factory.SubFactory(LicenseFactory)
    instance_id = factory.Sequence(lambda n: f"instance-{n}")


class PaymentFactory(DjangoModelFactory):
    """A paid purchase of a package at its price, with the marketplace's fee; amounts in US cents."""

    class Meta:
        model = Payment

    buyer = factory.SubFactory(UserFactory)
    package = factory.SubFactory(PublishedPackageFactory, pricing=Pricing.PRO, price_cents=1900)
    kind = PaymentKind.PURCHASE
    amount_cents = factory.SelfAttribute("package.price_cents")
    application_fee_cents = factory.LazyAttribute(lambda o: _application_fee(o.amount_cents))
    status = PaymentStatus.PAID
    paid_at = factory.LazyFunction(timezone.now)
