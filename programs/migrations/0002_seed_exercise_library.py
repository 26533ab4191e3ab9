"""Seed the exercise library and the "Hip drop, 8 weeks, three phases" template.

Content as of this migration; clinicians edit it afterwards in the app, so later changes are
data, not code. Reverse removes only the rows this migration created (by slug / name).
"""

from decimal import Decimal

from django.db import migrations

BOREN_2011 = (
    "Boren K, Conrey C, Le Coguic J, et al. Electromyographic analysis of gluteus medius and gluteus maximus "
    "during rehabilitation exercises. Int J Sports Phys Ther. 2011;6(3):206-223."
)
DISTEFANO_2009 = (
    "Distefano LJ, Blackburn JT, Marshall SW, Padua DA. Gluteal muscle activation during common therapeutic "
    "exercises. J Orthop Sports Phys Ther. 2009;39(7):532-540."
)

EKSTROM_2007 = (
    "Ekstrom RA, Donatelli RA, Carp KC. Electromyographic analysis of core trunk, hip, and thigh muscles during 9 "
    "rehabilitation exercises. J Orthop Sports Phys Ther. 2007;37(12):754-762."
)

# slug: (name, target, starting position, instructions, cues, faults, evidence,
#        sets, reps, hold_s, load_kg, load note, days per week)
EXERCISES = {
    "side-lying-hip-abduction": (
        "Side-lying hip abduction",
        "Gluteus medius (hip abductors): holds the pelvis level when one foot is on the ground.",
        "Lie on your side with your head on your lower arm, hips and shoulders stacked, bottom knee slightly bent.",
        "Straighten the top leg in line with your body.\nTurn the toes slightly down, heel leading.\n"
        "Lift the top leg towards the ceiling, about 30-40 degrees.\nPause for a second at the top.\n"
        "Lower slowly over three seconds.",
        "Lead with the heel\nKeep the top hip rolled slightly forward\nLong leg, tall body",
        "Rolling backwards so the hip flexors do the work\nBringing the leg forward of the body\nHitching the hip up to the ribs",
        "Gluteus medius activation about 81% MVIC (Distefano 2009). " + DISTEFANO_2009,
        3, 12, None, "0", "", 3,
    ),
    "clamshell": (
        "Clamshell",
        "Gluteus medius and hip external rotators.",
        "Lie on your side with hips bent about 45 degrees, knees bent 90 degrees, feet together, head on your arm.",
        "Keep your feet touching.\nLift the top knee as far as you can without the pelvis rolling back.\n"
        "Pause for a second.\nLower slowly.",
        "Feet stay together\nPelvis still, like it leans on a wall\nSlow down on the way back",
        "Rolling the pelvis backwards\nRushing the repetitions",
        "Gluteus medius activation about 40% MVIC, lower than side-lying abduction (Distefano 2009). "
        + DISTEFANO_2009,
        3, 15, None, "0", "add a light band above the knees to progress", 3,
    ),
    "side-plank-hip-abduction": (
        "Side plank with top-leg hip abduction",
        "Gluteus medius of both legs, trunk side muscles.",
        "Lie on your side propped on your forearm, elbow under the shoulder, legs straight and stacked.",
        "Lift your hips so your body forms a straight line from head to feet.\n"
        "Lift the top leg up and down slowly while the hips stay high.\n"
        "Lower the hips to rest between sets.",
        "Straight line from ear to ankle\nPush the floor away with the forearm\nTop leg moves, the body stays still",
        "Hips sagging or piking\nTop leg drifting forward\nHolding the breath",
        "Highest gluteus medius activation of the exercises studied, about 103% MVIC (Boren 2011). " + BOREN_2011,
        3, 8, None, "0", "", 3,
    ),
    "side-plank-knees-bent-hip-abduction": (
        "Side plank on the knees with top-leg hip abduction",
        "Gluteus medius, trunk side muscles: the knees-bent regression of the side plank.",
        "Lie on your side propped on your forearm, elbow under the shoulder, knees bent behind you.",
        "Lift your hips so your body forms a straight line from head to knees.\n"
        "Straighten the top leg and lift it up and down slowly while the hips stay high.\n"
        "Lower the hips to rest between sets.",
        "Straight line from ear to knee\nHips forward\nSlow, even lifts",
        "Hips sagging\nTop leg drifting forward",
        "Regression of the side plank with hip abduction (about 103% MVIC, Boren 2011): shorter lever, same "
        "pattern. " + BOREN_2011,
        3, 8, None, "0", "", 3,
    ),
    "single-leg-squat": (
        "Single-leg squat",
        "Gluteus medius and maximus, quadriceps: control of the hip and knee on one leg, as in running.",
        "Stand on one leg, hands in front or on your hips, the other foot just off the floor.",
        "Sit back and down slowly on the standing leg, as if to a chair.\nGo as deep as you can with the knee "
        "pointing over the second toe.\nKeep the pelvis level.\nPush back up through the whole foot.",
        "Knee over the second toe\nPelvis level, like a tray of water\nChest proud",
        "Knee moving inwards\nPelvis dropping on the free-leg side\nTrunk leaning sideways",
        "Gluteus medius activation about 82% MVIC on the single-limb squat (Boren 2011). " + BOREN_2011,
        3, 8, None, "0", "", 3,
    ),
    "lateral-step-down": (
        "Lateral step-down",
        "Gluteus medius, quadriceps: single-leg control with a step to guide depth.",
        "Stand side-on on a low step (10-20 cm) on one leg, the other leg hanging beside the step.",
        "Bend the standing knee slowly to lower the free heel towards the floor.\nTouch the floor lightly with the "
        "heel.\nStraighten back up without swinging.",
        "Knee over the second toe\nPelvis level\nTap, don't stand",
        "Knee moving inwards\nPelvis dropping\nPushing off the floor with the free foot",
        "A guided form of the single-limb squat (about 82% MVIC, Boren 2011). " + BOREN_2011,
        3, 10, None, "0", "start with a 10 cm step", 3,
    ),
    "glute-bridge": (
        "Glute bridge",
        "Gluteus maximus and hamstrings.",
        "Lie on your back, knees bent, feet flat and hip-width apart, arms by your sides.",
        "Squeeze your buttocks.\nLift your hips until shoulders, hips and knees are in a line.\nHold for two "
        "seconds.\nLower slowly.",
        "Squeeze the buttocks first\nPush through the heels\nRibs down",
        "Arching the low back\nKnees falling in or out",
        "",
        3, 12, None, "0", "", 3,
    ),
    "single-leg-bridge": (
        "Single-leg bridge",
        "Gluteus maximus and medius, hamstrings, pelvic control on one leg.",
        "Lie on your back, one knee bent with the foot flat, the other leg straight in line with the thigh.",
        "Push through the heel of the bent leg and lift the hips.\nKeep the pelvis level.\nHold for two "
        "seconds.\nLower slowly.",
        "Pelvis level\nPush through the heel\nSqueeze the buttocks",
        "Pelvis dropping on the free side\nArching the low back",
        "Unilateral bridge: gluteus medius about 47% MVIC (Ekstrom 2007). " + EKSTROM_2007,
        3, 10, None, "0", "", 3,
    ),
    "lateral-band-walk": (
        "Lateral band walk",
        "Gluteus medius in a standing, running-like position.",
        "Stand with a resistance band around the ankles, feet hip-width, knees softly bent, hips back a little.",
        "Step sideways with the leading leg against the band.\nFollow with the trailing leg, keeping tension in the "
        "band.\nTake the set's steps one way, then come back.",
        "Stay low and level\nToes forward\nSmooth steps, band always tight",
        "Bobbing up and down\nLetting the feet snap together\nLeaning the trunk",
        "Lateral band walk: gluteus medius about 61% MVIC (Distefano 2009). " + DISTEFANO_2009,
        3, 12, None, "0", "light resistance band (steps each way)", 3,
    ),
    "single-leg-romanian-deadlift": (
        "Single-leg Romanian deadlift",
        "Gluteus maximus and medius, hamstrings, balance.",
        "Stand on one leg with a soft knee, arms hanging or holding a light weight.",
        "Hinge at the hip: the trunk goes forward as the free leg goes back.\nKeep the pelvis square to the floor.\n"
        "Go until you feel the back of the thigh.\nReturn to standing by squeezing the buttocks.",
        "Long line from head to heel\nHips square\nSoft standing knee",
        "Rounding the back\nOpening the hip of the free leg\nLocking the standing knee",
        "Single-limb deadlift: gluteus medius about 58% MVIC (Distefano 2009). " + DISTEFANO_2009,
        3, 8, None, "0", "", 2,
    ),
    "hip-hike": (
        "Hip hike",
        "Gluteus medius of the standing leg: lifts and holds the opposite side of the pelvis.",
        "Stand side-on on a step on one leg, the other leg hanging free, hands on a wall for balance if needed.",
        "Let the free side of the pelvis drop slightly.\nLift it back up above level using the standing hip.\n"
        "Keep both knees straight.\nLower slowly.",
        "Move from the hip, not the waist\nKnees straight\nSlow and controlled",
        "Bending the standing knee\nLeaning the trunk",
        "",
        3, 12, None, "0", "", 3,
    ),
    "step-up": (
        "Step-up",
        "Gluteus maximus and medius, quadriceps: single-leg strength towards running.",
        "Stand facing a step or box (20-30 cm), one foot on it.",
        "Push through the foot on the step to stand up tall on it.\nBring the other knee up.\nStep back down "
        "slowly with control.",
        "Knee over the second toe\nPush through the whole foot on the step\nTall at the top",
        "Pushing off the floor with the back foot\nKnee moving inwards",
        "",
        3, 10, None, "0", "", 2,
    ),
}

VARIANTS = {  # slug: (easier, harder)
    "clamshell": (None, "side-lying-hip-abduction"),
    "side-lying-hip-abduction": ("clamshell", "side-plank-knees-bent-hip-abduction"),
    "side-plank-knees-bent-hip-abduction": ("side-lying-hip-abduction", "side-plank-hip-abduction"),
    "side-plank-hip-abduction": ("side-plank-knees-bent-hip-abduction", None),
    "hip-hike": (None, "lateral-step-down"),
    "lateral-step-down": ("hip-hike", "single-leg-squat"),
    "single-leg-squat": ("lateral-step-down", None),
    "glute-bridge": (None, "single-leg-bridge"),
    "single-leg-bridge": ("glute-bridge", None),
    "step-up": (None, "single-leg-squat"),
}

TEMPLATE_NAME = "Hip drop, 8 weeks, three phases"
TEMPLATE_CUES = "Run with your knees apart\nSqueeze your buttocks\nRun tall and light, quick steps"
# (name, weeks, goal, rule overrides, [(slug, sets, reps, hold_s, load_kg, days)])
TEMPLATE_PHASES = (
    (
        "Phase 1: learn the movements", 2,
        "Learn the three hip exercises with good form and no more than mild pain.",
        {"reps_min": 8, "reps_max": 15, "sets_max": 3},
        [("side-lying-hip-abduction", 2, 10, None, "0", 3), ("side-plank-knees-bent-hip-abduction", 2, 8, None, "0", 3),
         ("lateral-step-down", 2, 8, None, "0", 3)],
    ),
    (
        "Phase 2: build strength", 3,
        "Full side plank and single-leg squat; add load once sets and reps are easy.",
        {"reps_min": 8, "reps_max": 12, "sets_max": 3},
        [("side-lying-hip-abduction", 3, 12, None, "1", 3), ("side-plank-hip-abduction", 3, 8, None, "0", 3),
         ("single-leg-squat", 3, 8, None, "0", 3), ("single-leg-bridge", 3, 10, None, "0", 3)],
    ),
    (
        "Phase 3: strength for running", 3,
        "Heavier single-leg work and gait retraining on the run.",
        {"reps_min": 6, "reps_max": 10, "sets_max": 4, "load_step_kg": Decimal("2.5")},
        [("single-leg-squat", 3, 8, None, "2.5", 3), ("side-plank-hip-abduction", 3, 10, None, "0", 3),
         ("single-leg-romanian-deadlift", 3, 8, None, "4", 2), ("step-up", 3, 8, None, "4", 2),
         ("lateral-band-walk", 3, 12, None, "0", 2)],
    ),
)


def seed(apps, schema_editor):
    Exercise = apps.get_model("programs", "Exercise")
    Program = apps.get_model("programs", "Program")
    Phase = apps.get_model("programs", "Phase")
    ProgramExercise = apps.get_model("programs", "ProgramExercise")
    exercises = {}
    for slug, row in EXERCISES.items():
        name, target, start, steps, cues, faults, evidence, sets, reps, hold_s, load, load_note, days = row
        exercises[slug], _ = Exercise.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name, "target": target, "starting_position": start, "instructions": steps,
                "key_cues": cues, "common_faults": faults, "evidence": evidence, "default_sets": sets,
                "default_reps": reps, "default_hold_s": hold_s, "default_load_kg": Decimal(load),
                "load_note": load_note, "default_days_per_week": days,
                "illustration": f"programs/exercises/{slug}.svg",
            },
        )
    for slug, (easier, harder) in VARIANTS.items():
        exercise = exercises[slug]
        exercise.easier = exercises[easier] if easier else None
        exercise.harder = exercises[harder] if harder else None
        exercise.save(update_fields=["easier", "harder"])
    if Program.objects.filter(name=TEMPLATE_NAME, is_template=True).exists():
        return
    program = Program.objects.create(
        name=TEMPLATE_NAME, is_template=True, gait_cues=TEMPLATE_CUES, cadence_increase_pct=7,
        description="Progressive gluteus medius strengthening for contralateral pelvic drop, with gait "
        "retraining cues and a cadence target (+5-10%) in the last phase. Strength alone did not change "
        "running mechanics in 6 weeks, so the cues carry the change onto the run.",
    )
    for order, (name, weeks, goal, rule, items) in enumerate(TEMPLATE_PHASES, start=1):
        phase = Phase.objects.create(program=program, order=order, name=name, weeks=weeks, goal=goal, **rule)
        for position, (slug, sets, reps, hold_s, load, days) in enumerate(items, start=1):
            ProgramExercise.objects.create(
                phase=phase, exercise=exercises[slug], order=position, sets=sets, reps=reps, hold_s=hold_s,
                load_kg=Decimal(load), days_per_week=days,
            )


def unseed(apps, schema_editor):
    apps.get_model("programs", "Program").objects.filter(name=TEMPLATE_NAME, is_template=True).delete()
    apps.get_model("programs", "Exercise").objects.filter(slug__in=EXERCISES).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
