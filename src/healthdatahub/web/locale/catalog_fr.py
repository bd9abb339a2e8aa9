"""French translations of the portal (source of ``fr/LC_MESSAGES/messages.po``).

``python -m healthdatahub.web.locale.catalog_fr`` rewrites both ``.po`` catalogues.
"""

from __future__ import annotations

FR: dict[str, str] = {
    "Sign in with your organisation's account":
        "Se connecter avec le compte de votre organisation",
    "The sign-in with the identity provider expired; start again.":
        "La connexion avec le fournisseur d'identité a expiré ; recommencez.",
    "The identity provider cannot be reached; try again later.":
        "Le fournisseur d'identité est injoignable ; réessayez plus tard.",
    "The identity provider refused the sign-in; start again.":
        "Le fournisseur d'identité a refusé la connexion ; recommencez.",
    "The identity provider's answer could not be verified; sign-in refused.":
        "La réponse du fournisseur d'identité n'a pas pu être vérifiée ; connexion refusée.",
    "No account of this hub matches this identity; ask for an invitation.":
        "Aucun compte de ce hub ne correspond à cette identité ; demandez une invitation.",
    "Sign-in with an external identity provider is not set up.":
        "La connexion par un fournisseur d'identité externe n'est pas configurée.",
    "2FA not enrolled": "2FA non configurée",
    "A second factor (a code from your authenticator app) is asked next.":
        "Un second facteur (un code de votre application d'authentification) est demandé ensuite.",
    "API tokens": "Jetons d'API",
    "API tokens are for the data holders of a project.":
        "Les jetons d'API sont réservés aux détenteurs de données d'un projet.",
    "Accounts": "Comptes", "Action": "Action", "Actions": "Actions", "Add": "Ajouter",
    "Add a member": "Ajouter un membre", "All my jobs": "Tous mes traitements",
    "An open, self-hostable health data hub.":
        "Un hub de données de santé ouvert et auto-hébergeable.",
    "Audit trail": "Journal d'audit", "Back to the home page": "Retour à l'accueil",
    "Browse the registry of approved projects.":
        "Consultez le répertoire public des projets autorisés.",
    "Change": "Modifier", "Code from your authenticator app":
        "Code de votre application d'authentification",
    "Code from your authenticator app, or a recovery code":
        "Code de votre application d'authentification, ou un code de secours",
    "Confirm": "Confirmer", "Continue": "Continuer", "Create": "Créer",
    "Create a project": "Créer un projet", "Create a token": "Créer un jeton",
    "Create my account": "Créer mon compte", "Create the invitation": "Créer l'invitation",
    "Create your account": "Créez votre compte", "Dashboard": "Tableau de bord",
    "Data holders": "Détenteurs de données", "Deactivate": "Désactiver",
    "Description": "Description", "Email": "Adresse électronique", "Enrolled.": "Configurée.",
    "Error": "Erreur", "Filter": "Filtrer",
    "Follow your projects and get their results.":
        "Suivez vos projets et obtenez leurs résultats.",
    "Invite someone": "Inviter quelqu'un", "Job": "Traitement", "Jobs": "Traitements",
    "Keep these one-time recovery codes somewhere safe: each lets you sign in once without "
    "your device. They are shown only now.":
        "Conservez ces codes de secours en lieu sûr : chacun permet de vous connecter une fois "
        "sans votre appareil. Ils ne sont affichés que maintenant.",
    "Language": "Langue", "Latest jobs": "Derniers traitements", "Main menu": "Menu principal",
    "Members": "Membres", "My account": "Mon compte", "My projects": "Mes projets",
    "My role": "Mon rôle", "Name": "Nom", "New recovery codes": "Nouveaux codes de secours",
    "No job yet.": "Aucun traitement pour l'instant.", "No project yet.":
        "Aucun projet pour l'instant.",
    "Object": "Objet", "Older entries": "Entrées plus anciennes",
    "One-time invitation link (shown only now):":
        "Lien d'invitation à usage unique (affiché seulement maintenant) :",
    "Or type this secret:": "Ou saisissez ce secret :", "Outcome": "Résultat",
    "Password": "Mot de passe", "Password (at least 12 characters)":
        "Mot de passe (au moins 12 caractères)",
    "Password again": "Mot de passe (confirmation)", "Progress": "Avancement",
    "Project": "Projet", "Project registry": "Répertoire des projets", "Projects": "Projets",
    "Projects approved to use the hub's data.":
        "Projets autorisés à utiliser les données du hub.",
    "Public": "Public", "Reactivate": "Réactiver", "Recovery codes": "Codes de secours",
    "Request": "Requête", "Researchers": "Chercheurs", "Reset 2FA": "Réinitialiser la 2FA",
    "Reviewers and operators": "Évaluateurs et opérateurs", "Revoke": "Révoquer",
    "Role": "Rôle", "Run jobs, check outputs and manage users.":
        "Lancez les traitements, contrôlez les résultats et gérez les utilisateurs.",
    "Set up two-factor authentication": "Configurer l'authentification à deux facteurs",
    "Short name (lowercase letters, digits, dashes)":
        "Nom court (minuscules, chiffres, tirets)",
    "Sign in": "Se connecter", "Sign out": "Se déconnecter", "Signed in as": "Connecté en tant que",
    "Skip to content": "Aller au contenu", "State": "État", "Status": "Statut",
    "The hub receives health data from producers, checks it, links it without exposing "
    "identities and gives researchers safe aggregated answers.":
        "Le hub reçoit les données de santé des producteurs, les contrôle, les apparie sans "
        "exposer les identités et fournit aux chercheurs des résultats agrégés sûrs.",
    "Title": "Titre", "Token": "Jeton", "Two-factor authentication":
        "Authentification à deux facteurs",
    "Two-factor authentication is required for every account. Scan this QR code with an "
    "authenticator app (TOTP), then type the code it shows.":
        "L'authentification à deux facteurs est obligatoire pour tous les comptes. Scannez ce "
        "QR code avec une application d'authentification (TOTP), puis saisissez le code affiché.",
    "Unused recovery codes:": "Codes de secours restants :",
    "Upload linkage tables and data, and follow their processing.":
        "Déposez tables de correspondance et données, et suivez leur traitement.",
    "User": "Utilisateur", "User id": "N° d'utilisateur", "Users": "Utilisateurs",
    "Welcome": "Bienvenue", "When (UTC)": "Quand (UTC)", "Who": "Qui",
    "You are not a member of any project yet.": "Vous n'êtes membre d'aucun projet.",
    "Your jobs and their progress; the table refreshes itself while a job runs.":
        "Vos traitements et leur avancement ; le tableau se met à jour pendant un traitement.",
    "Your name": "Votre nom", "Your new token (shown only now):":
        "Votre nouveau jeton (affiché seulement maintenant) :",
    "active": "actif", "all": "tous", "deactivated": "désactivé", "entries": "entrées",
    "revoked": "révoqué",
    # roles, project roles, states, outcomes
    "public": "public", "data_holder": "détenteur de données", "researcher": "chercheur",
    "reviewer": "évaluateur", "operator": "opérateur", "anonymous": "anonyme",
    "draft": "brouillon", "submitted": "soumis", "approved": "autorisé", "closed": "clos",
    "rejected": "refusé", "queued": "en attente", "running": "en cours",
    "succeeded": "terminé", "failed": "échoué", "interrupted": "interrompu",
    "success": "succès", "failure": "échec", "denied": "refusé",
    # messages of the routes
    "Wrong email or password.": "Adresse ou mot de passe incorrect.",
    "Too many failed attempts: this account is locked for a while.":
        "Trop d'échecs : ce compte est verrouillé pour un moment.",
    "Too many failed attempts from your address; try again later.":
        "Trop d'échecs depuis votre adresse ; réessayez plus tard.",
    "This code is wrong or was already used.": "Ce code est faux ou a déjà servi.",
    "This code is wrong; check your device's clock.":
        "Ce code est faux ; vérifiez l'heure de votre appareil.",
    "The two passwords differ.": "Les deux mots de passe diffèrent.",
    "The password must have at least 12 characters.":
        "Le mot de passe doit comporter au moins 12 caractères.",
    "This invitation link is invalid, expired or already used.":
        "Ce lien d'invitation est invalide, expiré ou déjà utilisé.",
    "Sign in (with your second factor) to see this page.":
        "Connectez-vous (avec votre second facteur) pour voir cette page.",
    "You do not have access to this page.": "Vous n'avez pas accès à cette page.",
    "The form has expired or was not sent by this site; reload it.":
        "Le formulaire a expiré ou ne vient pas de ce site ; rechargez-le.",
    "This page does not exist.": "Cette page n'existe pas.",
    "This project does not exist or is not yours.":
        "Ce projet n'existe pas ou ne vous concerne pas.",
    "Some fields of the form are missing or invalid.":
        "Des champs du formulaire manquent ou sont invalides.",
    "The request body is too large.": "La requête est trop volumineuse.",
    "An account with this email already exists.": "Un compte existe déjà avec cette adresse.",
    # --- catalogue ---
    "Access rights": "Droits d'accès", "Acronym": "Acronyme", "All levels": "Tous les niveaux",
    "Clear the filters": "Effacer les filtres", "Coding system": "Système de codage",
    "DOI": "Identifiant DOI", "Data catalogue": "Catalogue de données", "Database": "Base",
    "Databases": "Bases", "databases": "bases", "database": "base",
    "databases found": "bases trouvées", "at least": "au moins", "Describe a new database": "Décrire une nouvelle base",
    "Distinct values": "Valeurs distinctes", "Edit": "Modifier",
    "Edit the description": "Modifier la description", "Empty values": "Valeurs vides",
    "Export": "Export", "Facets": "Filtres", "Find a MeSH descriptor": "Chercher un descripteur MeSH",
    "Find the databases, tables and variables documented by the hub.":
        "Trouvez les bases, tables et variables documentées par le hub.",
    "General information": "Informations générales", "Health category": "Catégorie de données",
    "Identifier in addresses (letters, digits, hyphens)":
        "Identifiant dans les adresses (lettres, chiffres, tirets)",
    "Keywords": "Mots-clés", "Keywords (separated by commas)": "Mots-clés (séparés par des virgules)",
    "Label": "Libellé", "Language of the data": "Langue de production des données",
    "Level": "Niveau", "Medical speciality": "Spécialité médicale", "Next page": "Page suivante",
    "Nothing matches.": "Aucun résultat.", "Period": "Période", "Publisher": "Éditeur",
    "Range": "Étendue", "Results": "Résultats", "Rows": "Lignes", "Save": "Enregistrer",
    "Search": "Rechercher", "Search the catalogue": "Rechercher dans le catalogue",
    "Table": "Table", "Tables": "Tables", "Type": "Type", "Variable": "Variable",
    "Variables": "Variables", "Unknown RDF format.": "Format RDF inconnu.",
    "Send HealthDCAT-AP Turtle in the body.": "Envoyez du Turtle HealthDCAT-AP dans le corps.",
    # --- end catalogue ---
    # --- linkage ---
    "Linkage": "Appariement", "Linkage project": "Projet d'appariement",
    "Each data holder uploads its identity table; the hub checks it, pseudonymises it and links it to the reference population. Nobody can read an uploaded table back, and its identities are destroyed after delivery.":
        "Chaque détenteur de données dépose sa table d'identités ; le hub la contrôle, la "
        "pseudonymise et l'apparie à la population de référence. Personne ne peut relire une "
        "table déposée, et ses identités sont détruites après la livraison.",
    "Mode": "Mode", "Holders": "Détenteurs", "Holder": "Détenteur", "Counts": "Effectifs",
    "Report": "Rapport", "Steps:": "Étapes :", "All linkage projects": "Tous les projets d'appariement",
    "No linkage project is open for you.": "Aucun projet d'appariement ne vous est ouvert.",
    "identities destroyed": "identités détruites", "Linkage report": "Rapport d'appariement",
    "Upload the table of": "Déposer la table de",
    "Identity table (CSV, as described in the documentation)":
        "Table d'identités (CSV, au format décrit dans la documentation)",
    "Upload and check": "Déposer et contrôler", "Operator actions": "Actions de l'opérateur",
    "Run the linkage": "Lancer l'appariement",
    "Deliver and destroy the identities": "Livrer et détruire les identités",
    "direct": "direct", "reconstruction": "reconstruction", "waiting": "en attente",
    "uploaded": "déposée", "checked": "contrôlée", "pseudonymised": "pseudonymisée",
    "linked": "appariée", "delivered": "livrée", "bytes": "octets", "received": "reçues",
    "ambiguous": "ambiguës", "unlinked": "non appariées",
    # --- end linkage ---
    # --- ingest ---
    "Deliveries": "Livraisons", "Deliver": "Livrer", "My deliveries": "Mes livraisons",
    "Deliver the files of a dataset: they are checked against the dataset's schema, and land only when the whole delivery passes. The report says, for each table and column, what is wrong and on which lines.":
        "Livrez les fichiers d'un jeu de données : ils sont contrôlés selon son schéma et ne "
        "sont versés que si toute la livraison est conforme. Le rapport indique, pour chaque "
        "table et colonne, ce qui ne va pas et à quelles lignes.",
    "Dataset (e.g. snds)": "Jeu de données (par ex. snds)", "Dataset": "Jeu de données",
    "Errors": "Erreurs", "Validation report": "Rapport de validation",
    "No delivery yet.": "Aucune livraison pour l'instant.", "landed": "versée",
    "quarantined": "en quarantaine", "pending": "en attente",
    # --- end ingest ---
    # --- indicators ---
    "Age bands": "Classes d'âge", "Algorithm library": "Bibliothèque d'algorithmes",
    "All of France": "Toute la France", "Ask for an indicator": "Demander un indicateur",
    "Association or requester": "Association ou demandeur",
    "Associations ask for aggregated indicators here. The result is published as open data "
    "once it has passed disclosure control.":
        "Les associations demandent ici des indicateurs agrégés. Le résultat est publié en "
        "données ouvertes après le contrôle du secret statistique.",
    "Back to the library": "Retour à la bibliothèque",
    "Bar chart of the published case counts; masked cells are drawn as a dashed box.":
        "Diagramme en barres des effectifs publiés ; les cases masquées sont dessinées en "
        "pointillés.",
    "Breakdown": "Ventilation", "Breakdown (comma list)": "Ventilation (liste séparée par des "
    "virgules)", "Broken down by": "Ventilé par", "Cartography column": "Colonne de la "
    "cartographie", "Catalogue entry": "Fiche du catalogue", "Cells": "Cases", "Chart": "Graphique",
    "Compiled SQL for 2023 (DuckDB dialect, SNDS tables)":
        "SQL compilé pour 2023 (dialecte DuckDB, tables du SNDS)",
    "Compiled SQL for the year": "SQL compilé pour l'année",
    "Counts from 1 to %(n)s are masked, and so are the cells that would let someone recover "
    "them from the totals.":
        "Les effectifs de 1 à %(n)s sont masqués, ainsi que les cases qui permettraient de les "
        "retrouver à partir des totaux.",
    "Data version": "Version des données",
    "Declarative definition (JSON)": "Définition déclarative (JSON)", "Definition": "Définition",
    "Disclosure log": "Journal du secret statistique", "Download": "Télécharger",
    "Download the code": "Télécharger le code", "Files": "Fichiers",
    "Filters (region=…;sex=…)": "Filtres (region=… ;sex=…)", "Identifier": "Identifiant",
    "Indicator requests": "Demandes d'indicateurs", "Indicator templates": "Modèles d'indicateurs",
    "Indicators": "Indicateurs", "Indicators and algorithm library":
        "Indicateurs et bibliothèque d'algorithmes",
    "Masked (primary)": "Masquées (primaire)", "Masked (secondary)": "Masquées (secondaire)",
    "Method": "Méthode", "Minimum age": "Âge minimum",
    "No indicator published yet.": "Aucun indicateur publié pour l'instant.",
    "No request yet.": "Aucune demande pour l'instant.", "OMOP concept sets": "Concepts OMOP",
    "Open, versioned algorithms that find a population in the SNDS, and the indicators "
    "published from them. Every published count passed disclosure control.":
        "Des algorithmes ouverts et versionnés qui repèrent une population dans le SNDS, et les "
        "indicateurs publiés à partir d'eux. Chaque effectif publié a passé le contrôle du secret "
        "statistique.",
    "Permanent identifier": "Identifiant pérenne", "Permanent link": "Lien pérenne",
    "Phenotype": "Phénotype", "Published indicators": "Indicateurs publiés",
    "Published on": "Publié le",
    "Request %(n)s submitted; an operator will review it.":
        "Demande %(n)s envoyée ; un opérateur va l'examiner.",
    "Requests": "Demandes", "Result": "Résultat",
    "Review a request, adjust its template parameters, then run it: it is refused when it "
    "would differ from a published indicator by a small group, else published.":
        "Examinez une demande, ajustez les paramètres du modèle puis lancez-la : elle est refusée "
        "si elle diffère d'un indicateur publié par un petit groupe, publiée sinon.",
    "Rounding": "Arrondi", "Run and publish": "Lancer et publier",
    "Send the request": "Envoyer la demande", "Sources": "Sources", "Template": "Modèle",
    "Validity notes": "Limites de validité", "Version": "Version",
    "What: the population (phenotype)": "Quoi : la population (phénotype)", "When": "Quand",
    "When: year (YYYY)": "Quand : année (AAAA)", "Where": "Où",
    "Where, in your words (optional)": "Où, avec vos mots (facultatif)",
    "Where: région (optional)": "Où : région (facultatif)", "Why": "Pourquoi",
    "Why: what the indicator is for": "Pourquoi : à quoi servira l'indicateur",
    "Years": "Années", "masked": "masqué", "none": "aucune", "total": "total",
    "cases": "cas", "population": "population", "year": "année", "age_band": "classe d'âge",
    "sex": "sexe", "region": "région", "departement": "département", "accepted": "acceptée",
    "refused": "refusée", "published": "publiée",
    "No extraction is configured for the guichet (setting indicators_source).":
        "Aucune extraction n'est configurée pour le guichet (paramètre indicators_source).",
    "Choose a phenotype of the library.": "Choisissez un phénotype de la bibliothèque.",
    "Compiled SQL for %(year)s": "SQL compilé pour %(year)s",
    "On SNDS tables": "Sur les tables du SNDS",
    "On OMOP CDM 5.4 tables": "Sur les tables du modèle OMOP CDM 5.4",
    "Compiled SQL for 2023 (DuckDB dialect, OMOP CDM 5.4 tables)":
        "SQL compilé pour 2023 (dialecte DuckDB, tables du modèle OMOP CDM 5.4)",
    "SNDS": "SNDS", "OMOP CDM 5.4": "OMOP CDM 5.4",
    # --- end indicators ---
}


def write_catalogues() -> None:
    """Write ``fr`` and ``en`` ``.po`` files from ``FR`` (English msgids are the source)."""
    from pathlib import Path

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    here = Path(__file__).parent
    for language in ("fr", "en"):
        catalog = Catalog(locale=language, project="healthdatahub", domain="messages")
        for msgid, french in FR.items():
            catalog.add(msgid, french if language == "fr" else msgid)
        target = here / language / "LC_MESSAGES" / "messages.po"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False)


if __name__ == "__main__":
    write_catalogues()
