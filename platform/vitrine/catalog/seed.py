"""The category tree every territory starts with (staff edit it afterwards)."""

CATEGORY_TREE: list[tuple[str, list[str]]] = [
    ("Décoration", ["Luminaires", "Linge de maison", "Objets et accessoires", "Art et encadrement"]),
    ("Bijoux", ["Colliers", "Bagues", "Boucles d'oreilles", "Montres"]),
    ("Vêtements", ["Femme", "Homme", "Enfant", "Chaussures", "Maroquinerie"]),
    (
        "Alimentation",
        ["Épicerie fine", "Vins et spiritueux", "Produits locaux", "Boulangerie et pâtisserie", "Fromages"],
    ),
    ("Librairie", ["Romans", "Jeunesse", "Bandes dessinées", "Beaux livres", "Papeterie"]),
    ("Beauté et bien-être", ["Cosmétiques", "Parfums", "Soins"]),
    ("Maison et jardin", ["Cuisine", "Jardin", "Bricolage"]),
    ("Loisirs", ["Jeux et jouets", "Sport", "Musique", "Loisirs créatifs"]),
    ("Fleurs et plantes", []),
    ("Services", ["Retouches", "Cordonnerie", "Réparation"]),
]
