"""Statutory code lists for people (shared/reference/statutory-codes.md), stored as codes."""

from django.db import models


class Sex(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"
    UNKNOWN = "U", "Unknown or unborn"


class Ethnicity(models.TextChoices):
    WBRI = "WBRI", "White – British"
    WIRI = "WIRI", "White – Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WOTH = "WOTH", "Any other White background"
    WROM = "WROM", "Gypsy/Roma"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


class Disability(models.TextChoices):
    NONE = "NONE", "No disability"
    MOB = "MOB", "Mobility"
    HAND = "HAND", "Hand function"
    PC = "PC", "Personal care"
    INC = "INC", "Incontinence"
    COMM = "COMM", "Communication"
    LD = "LD", "Learning"
    HEAR = "HEAR", "Hearing"
    VIS = "VIS", "Vision"
    BEH = "BEH", "Behaviour"
    CON = "CON", "Consciousness"
    AUT = "AUT", "Autism/Asperger syndrome"
    DDA = "DDA", "Other DDA"


class RelationshipKind(models.TextChoices):
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    STEP_PARENT = "step_parent", "Step-parent"
    SIBLING = "sibling", "Sibling"
    HALF_SIBLING = "half_sibling", "Half-sibling"
    CARER = "carer", "Carer"
    GRANDPARENT = "grandparent", "Grandparent"
    HOUSEHOLD_MEMBER = "household_member", "Household member"
    PARTNER_OF_PARENT = "partner_of_parent", "Partner of parent"
    OTHER = "other", "Other"


class NameKind(models.TextChoices):
    CURRENT = "current", "Current name"
    PREVIOUS = "previous", "Previous name"
    ALIAS = "alias", "Alias or also known as"
    BIRTH = "birth", "Name at birth"


#: How a relationship reads from the other person's side ("A is mother of B": on B's page A is
#: "Mother"; on A's page B is "Child").
RELATIONSHIP_INVERSE_LABEL: dict[str, str] = {
    RelationshipKind.MOTHER: "Child",
    RelationshipKind.FATHER: "Child",
    RelationshipKind.STEP_PARENT: "Stepchild",
    RelationshipKind.SIBLING: "Sibling",
    RelationshipKind.HALF_SIBLING: "Half-sibling",
    RelationshipKind.CARER: "Cared-for child",
    RelationshipKind.GRANDPARENT: "Grandchild",
    RelationshipKind.HOUSEHOLD_MEMBER: "Household member",
    RelationshipKind.PARTNER_OF_PARENT: "Partner's child",
    RelationshipKind.OTHER: "Other",
}
