"""SageMaker AI's training request for Amazon Nova recipes (nova-dpo): a SageMaker training
job run from a Nova recipe (the SageMaker Python SDK's PyTorch estimator with
training_recipe=..., then fit({"train": the data's s3:// URI})). The recipe names the model and
the method (DPO, full-rank or LoRA); its hyperparameters are the recipe's overrides, not data.
  https://docs.aws.amazon.com/sagemaker/latest/dg/nova-dpo.html (Nova DPO: data, recipes)
  https://github.com/aws/sagemaker-hyperpod-recipes (recipes/fine-tuning/nova/...) [verify: the
    recipe names are the repository's, not checked here; a placeholder names the choice]
"""
from __future__ import annotations

from dataclasses import dataclass

from tuneprep.transforms.targets.request_parts import ROLE_ARN, finish, s3_uri, upload_note

NOVA_DPO_PAGE = "https://docs.aws.amazon.com/sagemaker/latest/dg/nova-dpo.html"
RECIPES = "https://github.com/aws/sagemaker-hyperpod-recipes"
FORGE_SDK = "https://github.com/aws/nova-forge-sdk"
NOVA_PPO_PAGE = "https://docs.aws.amazon.com/sagemaker/latest/dg/nova-ppo.html"


@dataclass(frozen=True)
class NovaRecipeRequest:
    """A Nova recipe target's request builder (Target.request_builder), of its method."""
    method: str = "dpo"
    page: str = NOVA_DPO_PAGE   # the method's data page
    note: str = ""              # what the method needs besides the recipe, when it does

    def __call__(self, spec, output: str, train: list[str], validation: list[str],
                 validation_split: float = 0.0) -> dict:
        model = getattr(spec, "display", None) or "the Nova model"
        inputs = {"train": s3_uri(output, train[0], "TRAINING_S3_URI") if train
                  else "<TRAINING_S3_URI>"}
        if validation:
            inputs["validation"] = s3_uri(output, validation[0], "VALIDATION_S3_URI")
        estimator = {"training_recipe": f"<RECIPE: the {self.method.upper()} recipe of {model} "
                                        f"(fine-tuning/nova/...; see {RECIPES})>",
                     "role": ROLE_ARN, "instance_type": "<INSTANCE_TYPE: as the recipe asks>",
                     "instance_count": "<INSTANCE_COUNT: as the recipe asks>"}
        notes = upload_note(output) + [
            "fill in every <...> value, then: PyTorch(**estimator).fit(inputs) (SageMaker Python "
            "SDK; recipe overrides as recipe_overrides=...)"] + ([self.note] if self.note else [])
        return finish({"service": "sagemaker-training-job", "api": "PyTorch.fit (Nova recipe)",
                       "estimator": estimator, "fit": {"inputs": inputs}}, notes,
                      [self.page, RECIPES])


DPO = NovaRecipeRequest()
# the Forge SDK (util/recipe.py) runs multi-turn RFT on SageMaker HyperPod with an environment
# serving the rollouts, or on SMTJ serverless: never as a plain training job
RFT_MULTITURN = NovaRecipeRequest(
    "rft-multiturn", FORGE_SDK, "multi-turn RFT runs on SageMaker HyperPod (with the rollout "
    "environment, the Forge SDK's RFTMultiturnInfrastructure) or SMTJ serverless, Nova 2 Lite "
    "only: see the Forge SDK's RFT_MULTITURN_LORA / RFT_MULTITURN_FULL methods")
# the PPO page's run configuration: actor train / generation, reward, critic and anchor models,
# each with its replicas (a HyperPod recipe's recipes.run.*)
PPO = NovaRecipeRequest(
    "ppo", NOVA_PPO_PAGE, "PPO runs the actor, reward, critic and anchor models, each with its "
    "replicas in the recipe's run section (actor_train_replicas, rm_replicas, cm_replicas, "
    "actor_generation_replicas, am_replicas): see the Nova PPO page")
