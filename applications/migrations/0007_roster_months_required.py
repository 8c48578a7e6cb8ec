from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("applications", "0006_catalogue_seed_and_claim_keys_backfill")]

    operations = [
        migrations.AlterField(
            model_name="apprentice",
            name="start_month",
            field=models.DateField(help_text="当月 1 日", verbose_name="培训开始年月"),
        ),
        migrations.AlterField(
            model_name="apprentice",
            name="end_month",
            field=models.DateField(help_text="当月 1 日", verbose_name="培训结束年月"),
        ),
    ]
